from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "tidings.ops"
    label = "ops"
