from functools import partial

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from ninja.openapi.views import openapi_view

from tidings.api.api import api
from tidings.ops.views import metrics
from tidings.posts.mediatypes import TYPES
from tidings.web import pages

# Ninja's docs page loads Swagger UI from jsDelivr and starts it with one inline script
# (ninja/templates/ninja/swagger_cdn.html): that page alone may, the script allowed by its hash only. This route
# shadows ninja's own /docs; it goes when Swagger UI is served from our static files ("ninja" in INSTALLED_APPS).
SWAGGER_CDN = "https://cdn.jsdelivr.net"
SWAGGER_INIT = "'sha256-C05Owt+DFaBrpXefO5MsXW5ZwXTKEGfZtOcW1f/Nt1o='"
api_docs = csp_update(
    {"script-src": [SWAGGER_CDN, SWAGGER_INIT], "style-src": [SWAGGER_CDN], "img-src": ["https://django-ninja.dev"]}
)(partial(openapi_view, api=api))

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("generate/", include("tidings.generation.urls")),
    path("api/v1/docs", api_docs),
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
