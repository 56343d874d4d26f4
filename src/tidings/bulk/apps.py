from django.apps import AppConfig


class BulkConfig(AppConfig):
    name = "tidings.bulk"
    label = "bulk"
