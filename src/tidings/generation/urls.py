from django.urls import path

from tidings.generation import views

urlpatterns = [
    path("", views.generate, name="generate"),
    path("revise/", views.revise, name="generate-revise"),
    path("stream/", views.stream, name="generate-stream"),
    path("provider/", views.provider_settings, name="generate-provider"),
]
