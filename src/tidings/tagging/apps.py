from django.apps import AppConfig


class TaggingConfig(AppConfig):
    name = "tidings.tagging"
    label = "tagging"
