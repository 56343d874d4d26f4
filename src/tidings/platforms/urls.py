"""Mounted at /connections/."""

from django.urls import URLPattern, URLResolver, path

from tidings.platforms import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.connections, name="connections"),
    path("<str:platform>/start/", views.start, name="connections-start"),
    path("<str:platform>/callback/", views.callback, name="connections-callback"),
    path("<str:platform>/credentials/", views.credentials, name="connections-credentials"),
    path("pick/<int:pending_id>/", views.pick, name="connections-pick"),
    path("pick/<int:pending_id>/discard/", views.discard, name="connections-pick-discard"),
    path("accounts/<int:account_id>/disconnect/", views.disconnect, name="connections-disconnect"),
    path("accounts/<int:account_id>/board/", views.default_board, name="connections-board"),
    path("accounts/<int:account_id>/boards/refresh/", views.boards_refresh, name="connections-boards-refresh"),
    path("accounts/<int:account_id>/test/", views.send_test, name="connections-test"),
]
