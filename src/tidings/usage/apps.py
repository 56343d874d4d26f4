from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "tidings.usage"
    label = "usage"
