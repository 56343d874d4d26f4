"""The web app's pages; each area's module lists its own routes."""

from tidings.web import (
    account,
    approval,
    auth,
    automation,
    calendar,
    composer,
    inbox,
    library,
    onboarding,
    pages,
    queue,
    review,
    signup,
    tagging,
    workspace,
)

urlpatterns = [
    *pages.urls,
    *signup.urls,
    *composer.urls,
    *queue.urls,
    *calendar.urls,
    *automation.urls,
    *library.urls,
    *tagging.urls,
    *inbox.urls,
    *auth.urls,
    *account.urls,
    *onboarding.urls,
    *workspace.urls,
    *approval.urls,
    *review.urls,
]
