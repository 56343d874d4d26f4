from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "tidings.planning"
    label = "planning"
