from django.conf import settings
from django.db import models


class AutomationRule(models.Model):
    """Write and schedule posts on a recurring schedule from a standing brief."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="automation_rules")
    name = models.CharField(max_length=200)
    enabled = models.BooleanField(default=False)
    # Five-field cron in the user's time zone, for example "0 9 * * 1-5".
    schedule = models.CharField(max_length=100)
    brief = models.JSONField(default=dict, blank=True, help_text="Topic, tone, audience, call to action, ...")
    accounts = models.ManyToManyField("platforms.SocialAccount", blank=True, related_name="automation_rules")
    last_run_at = models.DateTimeField(null=True, blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["user", "enabled"], name="rule_user_enabled_idx")]

    def __str__(self) -> str:
        return self.name
