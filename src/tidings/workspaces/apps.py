from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "tidings.workspaces"
    label = "workspaces"
