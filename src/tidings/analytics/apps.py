from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "tidings.analytics"
    label = "analytics"
