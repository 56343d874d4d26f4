from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("generate/", include("tidings.generation.urls")),
    path("api/v1/", include("tidings.api.urls")),
    path("ops/", include("tidings.ops.urls")),
    path("connections/", include("tidings.platforms.urls")),
    path("", include("tidings.web.urls")),
]
