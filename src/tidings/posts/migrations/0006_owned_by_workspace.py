"""Posts and media belong to the workspace; a post keeps the person who wrote it as its author."""

from django.conf import settings
from django.db import migrations, models

from tidings.workspaces.migration_ops import add_workspace, replace_user

WS = ("workspaces", "0003_plan_and_balances")


class Migration(migrations.Migration):
    dependencies = [("posts", "0005_target_progress"), WS, migrations.swappable_dependency(settings.AUTH_USER_MODEL)]

    operations = [
        migrations.RemoveIndex("post", "post_user_scheduled_idx"),
        *add_workspace("post", "posts_post", related_name="posts"),
        migrations.RenameField("post", "user", "author"),
        migrations.AlterField(
            "post",
            "author",
            models.ForeignKey(
                blank=True, null=True, on_delete=models.SET_NULL, related_name="posts", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.AddIndex("post", models.Index(fields=["workspace", "scheduled_at"], name="post_workspace_scheduled_idx")),
        *replace_user(
            "mediaasset",
            "posts_mediaasset",
            user_field=models.ForeignKey(on_delete=models.CASCADE, related_name="media", to=settings.AUTH_USER_MODEL),
            related_name="media",
        ),
    ]
