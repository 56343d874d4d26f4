from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "tidings.automation"
    label = "automation"
