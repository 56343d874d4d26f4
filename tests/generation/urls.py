"""The site's URLs with the generation pages mounted, for tests that run before they are wired into the site."""

from django.urls import include, path

from tidings.urls import urlpatterns as site

urlpatterns = [path("generate/", include("tidings.generation.urls")), *site]
