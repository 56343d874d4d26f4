"""Secrets at rest: a text field whose value is stored Fernet-encrypted.

Keys come from `settings.TIDINGS_ENCRYPTION_KEYS`, newest first. MultiFernet decrypts with any listed key and
encrypts with the first, so a key is rotated by prepending a new one and running `tidings rotate-encryption-keys`.
"""

from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("TIDINGS_ENCRYPTION_KEYS is empty: OAuth tokens cannot be stored.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            "TIDINGS_ENCRYPTION_KEYS holds a key that is not a Fernet key (32 url-safe base64-encoded bytes)."
        ) from error


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.TIDINGS_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "A stored secret cannot be decrypted with TIDINGS_ENCRYPTION_KEYS; was a key removed?"
        ) from error


def rotate(token: str) -> str:
    return fernet().rotate(token.encode()).decode()


class EncryptedTextField(models.TextField):
    """Holds a secret; the database only ever sees ciphertext. Empty strings stay empty (no secret)."""

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return decrypt(value)
