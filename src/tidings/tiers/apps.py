from django.apps import AppConfig


class TiersConfig(AppConfig):
    name = "tidings.tiers"
    label = "tiers"
