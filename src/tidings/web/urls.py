"""The web app's pages; each area's module lists its own routes."""

from tidings.web import auth, automation, calendar, compose, inbox, pages, queue, signup

urlpatterns = [
    *pages.urls,
    *signup.urls,
    *compose.urls,
    *queue.urls,
    *calendar.urls,
    *automation.urls,
    *inbox.urls,
    *auth.urls,
]
