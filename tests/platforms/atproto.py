"""Helpers for Bluesky tests: session JWTs shaped like a PDS's, and an account connected to a PDS."""

import base64
import json
import time

from tests.support.workspaces import owner
from tidings.accounts.models import User
from tidings.platforms.models import Platform, SocialAccount
from tidings.platforms.services import connect_account

PDS = "https://pds.example"
DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"


def b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def jwt(*, scope: str = "com.atproto.appPass", exp: int | None = None, kind: str = "at+jwt", nonce: str = "") -> str:
    """Unsigned, but shaped like a PDS token: the connector only reads `exp` and `scope`."""
    claims = {"scope": scope, "sub": DID, "exp": exp or int(time.time()) + 7200, "jti": nonce}
    return f"{b64({'typ': kind, 'alg': 'HS256'})}.{b64(claims)}.signature"


def session(*, access: str = "", refresh: str = "", handle: str = "alice.bsky.social") -> dict[str, object]:
    return {
        "accessJwt": access or jwt(),
        "refreshJwt": refresh or jwt(scope="com.atproto.refresh", kind="refresh+jwt"),
        "did": DID,
        "handle": handle,
        "didDoc": {
            "id": DID,
            "service": [
                {"id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": PDS},
            ],
        },
        "active": True,
    }


def connect_bluesky(user: User, *, access: str = "access-1", refresh: str = "refresh-1") -> SocialAccount:
    return connect_account(
        owner(user),
        platform=Platform.BLUESKY,
        external_id=DID,
        handle="alice.bsky.social",
        access_token=access,
        refresh_token=refresh,
        base_url=PDS,
    )


def xrpc(nsid: str) -> str:
    return f"{PDS}/xrpc/{nsid}"
