from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("generate/", include("tidings.generation.urls")),
    path("", include("tidings.web.urls")),
]
