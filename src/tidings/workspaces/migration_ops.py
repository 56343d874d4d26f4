"""The operations that move a table's rows from their user to that user's personal workspace, for the migrations
of every room that owned rows by user. Each move is reversible: back, a row returns to its workspace's owner."""

from django.db import migrations, models
from django.db.models import Field

FILL_WORKSPACE = (
    "UPDATE {table} SET workspace_id = "
    "(SELECT w.id FROM workspaces_workspace w WHERE w.personal_owner_id = {table}.{user_column})"
)
FILL_USER = (
    "UPDATE {table} SET {user_column} = (SELECT m.user_id FROM workspaces_membership m "
    "WHERE m.role = 'owner' AND m.workspace_id = {table}.workspace_id)"
)


def workspace_field(*, related_name: str, null: bool = True, one_to_one: bool = False, keep: bool = False) -> Field:
    """The workspace column; `keep` for one whose rows outlive their workspace (SET NULL, not CASCADE)."""
    kind = models.OneToOneField if one_to_one else models.ForeignKey
    on_delete = models.SET_NULL if keep else models.CASCADE
    return kind(blank=null, null=null, on_delete=on_delete, related_name=related_name, to="workspaces.workspace")


def fill(table: str, *, user_column: str = "user_id") -> migrations.RunSQL:
    return migrations.RunSQL(
        FILL_WORKSPACE.format(table=table, user_column=user_column),
        FILL_USER.format(table=table, user_column=user_column),
    )


Operations = list[migrations.operations.base.Operation]


def add_workspace(model: str, table: str, *, related_name: str, null: bool = False, keep: bool = False) -> Operations:
    """Give rows that keep their user (who did it, or whom it is for) the workspace they belong to."""
    return [
        migrations.AddField(model, "workspace", workspace_field(related_name=related_name, keep=keep)),
        fill(table),
        migrations.AlterField(model, "workspace", workspace_field(related_name=related_name, null=null, keep=keep)),
    ]


def replace_user(
    model: str,
    table: str,
    *,
    user_field: Field,
    related_name: str,
    null: bool = False,
    one_to_one: bool = False,
    keep: bool = False,
) -> Operations:
    """Move rows owned by a user to the workspace; `user_field` is the user field as it was, made nullable here so
    the way back can fill it again before it is required."""
    user_field.null = True
    return [
        migrations.AddField(
            model, "workspace", workspace_field(related_name=related_name, one_to_one=one_to_one, keep=keep)
        ),
        migrations.AlterField(model, "user", user_field),
        fill(table),
        migrations.AlterField(
            model, "workspace", workspace_field(related_name=related_name, null=null, one_to_one=one_to_one, keep=keep)
        ),
        migrations.RemoveField(model, "user"),
    ]
