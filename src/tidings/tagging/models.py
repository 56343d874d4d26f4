from django.db import models

# Long enough for any campaign name people use; analytics tools truncate well before this.
VALUE_LENGTH = 100


class AccountTagging(models.Model):
    """An account's UTM tags, added to every link of its posts at publish time while `enabled`. A blank source
    means the platform's name, a blank medium "social"."""

    account = models.OneToOneField("platforms.SocialAccount", on_delete=models.CASCADE, related_name="tagging")
    enabled = models.BooleanField(default=False)
    source = models.CharField(max_length=VALUE_LENGTH, blank=True, default="")
    medium = models.CharField(max_length=VALUE_LENGTH, blank=True, default="")
    campaign = models.CharField(max_length=VALUE_LENGTH, blank=True, default="")
    term = models.CharField(max_length=VALUE_LENGTH, blank=True, default="")
    content = models.CharField(max_length=VALUE_LENGTH, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Link tagging of account {self.account_id}"


class PostMode(models.TextChoices):
    # No row at all: each account's own setting decides.
    ACCOUNTS = "accounts", "As each account is set"
    ON = "on", "Tag with these values"
    OFF = "off", "Do not tag this post"


class PostTagging(models.Model):
    """A post's own choice over its accounts' tagging: tag its links everywhere (its values over each account's),
    or not at all. A blank value takes the account's."""

    post = models.OneToOneField("posts.Post", on_delete=models.CASCADE, related_name="tagging")
    mode = models.CharField(max_length=8, choices=PostMode.choices)
    source = models.CharField(max_length=VALUE_LENGTH, blank=True, default="")
    medium = models.CharField(max_length=VALUE_LENGTH, blank=True, default="")
    campaign = models.CharField(max_length=VALUE_LENGTH, blank=True, default="")
    term = models.CharField(max_length=VALUE_LENGTH, blank=True, default="")
    content = models.CharField(max_length=VALUE_LENGTH, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Link tagging of post {self.post_id}: {self.mode}"
