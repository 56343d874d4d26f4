from django.core.management.base import BaseCommand

from tidings.platforms.models import SocialAccount


class Command(BaseCommand):
    help = (
        "Re-encrypt stored tokens with the first key of TIDINGS_ENCRYPTION_KEYS. Rotate a key by putting a new one "
        "first, running this, then removing the old one."
    )

    def handle(self, *args: object, **options: object) -> None:
        count = 0
        # Reading decrypts with whichever listed key fits; saving encrypts with the first.
        for account in SocialAccount.objects.order_by("pk").iterator(chunk_size=500):
            account.save(update_fields=["access_token", "refresh_token"])
            count += 1
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted the tokens of {count} connected accounts."))
