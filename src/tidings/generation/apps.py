from django.apps import AppConfig


class GenerationConfig(AppConfig):
    name = "tidings.generation"
    label = "generation"
