from django.urls import path

from tidings.ops import views

app_name = "ops"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("workflows/", views.workflow, name="workflow"),
]
