"""The web app's pages; each area's module lists its own routes."""

from tidings.web import (
    account,
    approval,
    auth,
    automation,
    calendar,
    composer,
    inbox,
    onboarding,
    pages,
    planning,
    queue,
    review,
    signup,
    workspace,
)

urlpatterns = [
    *pages.urls,
    *signup.urls,
    *composer.urls,
    *queue.urls,
    *planning.urls,
    *calendar.urls,
    *automation.urls,
    *inbox.urls,
    *auth.urls,
    *account.urls,
    *onboarding.urls,
    *workspace.urls,
    *approval.urls,
    *review.urls,
]
