import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from tests.conftest import create_account
from tidings.accounts.models import User
from tidings.platforms.models import SocialAccount

pytestmark = pytest.mark.django_db


def stored_token(account: SocialAccount) -> str:
    table = SocialAccount._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT access_token FROM {table} WHERE id = %s", [account.pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_tokens_are_stored_encrypted_and_read_back_in_plain(alice: User) -> None:
    account = create_account(alice)
    raw = stored_token(account)
    assert "token-alice-1" not in raw
    assert raw.startswith("gAAAA")  # a Fernet token
    assert SocialAccount.objects.get(pk=account.pk).access_token == "token-alice-1"


def test_tokens_never_show_in_the_accounts_text(alice: User) -> None:
    account = create_account(alice)
    assert "token-alice-1" not in str(account)
    assert "token-alice-1" not in repr(account)


def test_rotation_re_encrypts_with_the_new_key_and_old_key_can_then_go(alice: User, settings) -> None:
    account = create_account(alice)
    old_key = settings.TIDINGS_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.TIDINGS_ENCRYPTION_KEYS = [new_key, old_key]
    assert SocialAccount.objects.get(pk=account.pk).access_token == "token-alice-1"

    call_command("rotate_encryption_keys", verbosity=0)

    assert Fernet(new_key.encode()).decrypt(stored_token(account).encode()) == b"token-alice-1"
    settings.TIDINGS_ENCRYPTION_KEYS = [new_key]
    assert SocialAccount.objects.get(pk=account.pk).access_token == "token-alice-1"


def test_a_missing_key_is_a_clear_configuration_error(alice: User, settings) -> None:
    account = create_account(alice)
    settings.TIDINGS_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted"):
        SocialAccount.objects.get(pk=account.pk)


def test_a_malformed_key_is_a_clear_configuration_error(alice: User, settings) -> None:
    settings.TIDINGS_ENCRYPTION_KEYS = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured, match="not a Fernet key"):
        create_account(alice)


def test_empty_tokens_stay_empty(alice: User) -> None:
    account = create_account(alice)
    SocialAccount.objects.filter(pk=account.pk).update(refresh_token="")
    assert SocialAccount.objects.get(pk=account.pk).refresh_token == ""
