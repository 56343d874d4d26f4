from django.apps import AppConfig


class CreditsConfig(AppConfig):
    name = "tidings.credits"
    label = "credits"
