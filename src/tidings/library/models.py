from django.conf import settings
from django.db import models

NAME_LENGTH = 100


class Snippet(models.Model):
    """Text the workspace reuses (a signature, a call to action, a disclaimer), inserted in the composer."""

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="snippets")
    # Who wrote it: they may change it; changing anyone else's needs the right to approve posts.
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    name = models.CharField(max_length=NAME_LENGTH)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="one_snippet_name_per_workspace")]

    def __str__(self) -> str:
        return self.name


class HashtagGroup(models.Model):
    """Hashtags used together (#bakery #sourdough), inserted in the composer in one go."""

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="hashtag_groups")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    name = models.CharField(max_length=NAME_LENGTH)
    # Each "#word", in the order given, without repeats.
    hashtags = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="one_hashtag_group_per_workspace")]

    def __str__(self) -> str:
        return self.name

    @property
    def text(self) -> str:
        """What the composer inserts."""
        return " ".join(self.hashtags)
