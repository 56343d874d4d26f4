"""The composer's pages; mounted at / by tidings.web.urls."""

from django.urls import path

from tidings.web.composer import ai, tiktok, views

urls = [
    path("compose/", views.compose, name="compose"),
    path("compose/preview/", views.preview, name="compose-preview"),
    path("compose/generate/", ai.generate, name="compose-generate"),
    path("compose/revise/", ai.revise, name="compose-revise"),
    path("compose/tiktok/<int:account_id>/", tiktok.creator, name="compose-tiktok"),
    path("posts/<int:post_id>/edit/", views.edit, name="post-edit"),
]
