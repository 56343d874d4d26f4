"""The posting schedule's pages and the slot queue's actions; mounted at / by tidings.web.urls."""

from django.urls import path

from tidings.web.planning import queue, schedule

urls = [
    path("settings/schedule/", schedule.schedule_page, name="posting-schedule"),
    path("settings/schedule/<int:slot_id>/remove/", schedule.remove, name="posting-slot-remove"),
    path("queue/slots/shuffle/", queue.shuffle, name="queue-shuffle"),
    path("queue/slots/<int:post_id>/up/", queue.up, name="queue-move-up"),
]
