from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tidings.accounts"
    label = "accounts"
