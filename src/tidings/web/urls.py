"""The web app's pages; each area's module lists its own routes."""

from tidings.web import auth, automation, calendar, composer, inbox, pages, queue, signup

urlpatterns = [
    *pages.urls,
    *signup.urls,
    *composer.urls,
    *queue.urls,
    *calendar.urls,
    *automation.urls,
    *inbox.urls,
    *auth.urls,
]
