from django.contrib.auth import views as auth_views
from django.urls import path

from tidings.web import auth, automation, compose, inbox, pages, queue, signup

urlpatterns = [
    path("", pages.home, name="home"),
    path("dashboard/", pages.dashboard, name="dashboard"),
    path("plan/", pages.plan, name="plan"),
    path("signup/", signup.signup, name="signup"),
    path("signup/confirm/", signup.confirm_email_pending, name="confirm-email-pending"),
    path("signup/confirm/resend/", signup.confirm_email_resend, name="confirm-email-resend"),
    path("signup/confirm/<str:token>/", signup.confirm_email_link, name="confirm-email"),
    path("compose/", compose.compose, name="compose"),
    path("compose/preview/", compose.preview, name="compose-preview"),
    path("posts/<int:post_id>/edit/", compose.edit, name="post-edit"),
    path("compose/generate/", compose.generate, name="compose-generate"),
    path("queue/", queue.queue, name="queue"),
    path("queue/<int:post_id>/<str:action>/", queue.post_action, name="post-action"),
    path("queue/targets/<int:target_id>/retry/", queue.retry, name="target-retry"),
    path("queue/targets/<int:target_id>/<str:action>/", queue.resolve, name="target-resolve"),
    path("calendar/", queue.calendar, name="calendar"),
    path("automation/", automation.rules, name="automation"),
    path("automation/new/", automation.edit_rule, name="automation-new"),
    path("automation/<int:rule_id>/", automation.edit_rule, name="automation-edit"),
    path("automation/<int:rule_id>/<str:action>/", automation.rule_action, name="automation-action"),
    path("notifications/", inbox.notifications, name="notifications"),
    path("notifications/read/", inbox.read, name="notifications-read"),
    path("settings/", signup.settings_page, name="settings"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", auth.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password-reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("healthz", pages.healthz, name="healthz"),
]
