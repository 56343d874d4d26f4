"""The signature receivers check: the recipe docs/webhooks.md publishes verifies what Tidings sends, and nothing
else (another body, another secret, an old timestamp)."""

import time

from tests.support.event_receiver import verify
from tidings.core.signing import signature, signed_headers

BODY = b'{"id":"e1","type":"ping"}'


def test_the_documented_recipe_verifies_a_signed_request() -> None:
    headers = signed_headers("whsec_abc", BODY, now=1796040000)
    assert headers == {
        "X-Tidings-Timestamp": "1796040000",
        "X-Tidings-Signature": signature("whsec_abc", "1796040000", BODY),
    }
    assert headers["X-Tidings-Signature"].startswith("sha256=")
    assert len(headers["X-Tidings-Signature"]) == 71
    assert verify("whsec_abc", headers, BODY, now=1796040000 + 299)


def test_a_changed_body_another_secret_or_an_old_request_is_refused() -> None:
    headers = signed_headers("whsec_abc", BODY)
    assert not verify("whsec_abc", headers, BODY + b" ")
    assert not verify("whsec_other", headers, BODY)
    assert not verify("whsec_abc", headers, BODY, now=time.time() + 301)
    assert not verify("whsec_abc", {**headers, "X-Tidings-Signature": "md5=x"}, BODY)
