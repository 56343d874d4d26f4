"""The web app's pages; each area's module lists its own routes."""

from tidings.web import (
    account,
    analytics,
    approval,
    auth,
    automation,
    calendar,
    composer,
    imports,
    inbox,
    onboarding,
    pages,
    queue,
    repeat,
    review,
    signup,
    workspace,
)

urlpatterns = [
    *pages.urls,
    *signup.urls,
    *composer.urls,
    *queue.urls,
    *calendar.urls,
    *automation.urls,
    *inbox.urls,
    *auth.urls,
    *account.urls,
    *onboarding.urls,
    *workspace.urls,
    *approval.urls,
    *review.urls,
    *repeat.urls,
    *analytics.urls,
    *imports.urls,
]
