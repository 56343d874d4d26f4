from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "tidings.webhooks"
    label = "webhooks"
