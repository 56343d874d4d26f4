from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "tidings.library"
    label = "library"
