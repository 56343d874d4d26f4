"""The queue: every post with each target's state, and what can be done with it (one post, one target, or many)."""

from django.urls import path

from tidings.web.queue.actions import post_action, resolve, retry
from tidings.web.queue.bulk import bulk
from tidings.web.queue.page import queue

# Mounted at / by tidings.web.urls.
urls = [
    path("queue/", queue, name="queue"),
    path("queue/bulk/", bulk, name="queue-bulk"),
    path("queue/<int:post_id>/<str:action>/", post_action, name="post-action"),
    path("queue/targets/<int:target_id>/retry/", retry, name="target-retry"),
    path("queue/targets/<int:target_id>/<str:action>/", resolve, name="target-resolve"),
]
