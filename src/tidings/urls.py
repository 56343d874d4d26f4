from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path

from tidings.ops.views import metrics
from tidings.posts.mediatypes import TYPES
from tidings.web import pages

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("generate/", include("tidings.generation.urls")),
    path("api/v1/", include("tidings.api.urls")),
    path("ops/", include("tidings.ops.urls")),
    path("metrics", metrics, name="metrics"),
    path("connections/", include("tidings.platforms.urls")),
    path("", include("tidings.web.urls")),
]

if settings.TIDINGS_SERVE_MEDIA:
    # Uploaded files have unguessable names (posts.models.media_path) and only the extensions of the types we
    # store; platforms fetch them from here.
    extensions = "|".join(TYPES)
    urlpatterns.append(re_path(rf"^media/(?P<path>uploads/[0-9a-f]{{32}}\.(?:{extensions}))$", pages.media))
