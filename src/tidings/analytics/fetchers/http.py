"""One read of a platform's API for counts, through the shared outbound client and the connector's own reading
of error answers, so a refusal means here what it means when publishing (transient, rate limited, sign-in, refused).
"""

from collections.abc import Callable, Collection
from typing import Any

import httpx

from tidings import http
from tidings.platforms.base import PublishFailure, TransientError
from tidings.platforms.connectors.api import publish_timeout
from tidings.platforms.errors import unreachable


def read(
    method: str,
    url: str,
    *,
    label: str,
    failure: Callable[[httpx.Response], PublishFailure],
    passes: Collection[int] = (),
    **kwargs: Any,
) -> httpx.Response:
    """The answer, when successful or its status is in `passes` (which the caller reads itself); else the
    connector's classified error. Reading counts changes nothing, so every lost answer is merely transient."""
    try:
        response = http.shared_client().request(method, url, timeout=publish_timeout(), **kwargs)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
        raise unreachable(error, server=label, detail=f"Could not reach {label} ({type(error).__name__}).") from None
    except httpx.TransportError as error:
        raise TransientError(f"{label} did not answer ({type(error).__name__}).") from None
    if response.is_success or response.status_code in passes:
        return response
    raise failure(response)


def json_object(response: httpx.Response, *, label: str) -> dict[str, Any]:
    """The JSON object of an answer; anything else is a server misbehaving, worth another try later."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise TransientError(f"{label} answered with something that is not a JSON object.")
    return data
