from django.apps import AppConfig


class PlatformsConfig(AppConfig):
    name = "tidings.platforms"
    label = "platforms"
