"""The first-run checklist: what a new account still needs before its first post goes out, each step with the
one action that does it. `onboarding_steps(actor)` is the context for `web/onboarding/checklist.html`, which the
dashboard and the Getting started page render."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from tidings.accounts.services import dismiss_onboarding
from tidings.core.errors import DomainError, NotFound
from tidings.generation.config import site_config_or_none
from tidings.generation.models import AIProviderConfig
from tidings.platforms.models import AccountStatus
from tidings.web.auth import acting, signed_in
from tidings.workspaces.actors import Actor
from tidings.workspaces.plan import set_time_zone
from tidings.workspaces.roles import Action, RoleTooLow


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    text: str
    done: bool
    url: str = ""
    action: str = ""


@dataclass(frozen=True)
class Onboarding:
    steps: list[Step]
    dismissed: bool

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def complete(self) -> bool:
        return self.done_count == self.total

    @property
    def percent(self) -> int:
        return round(100 * self.done_count / self.total) if self.total else 100

    @property
    def visible(self) -> bool:
        """Shown until every step is done or the user puts it away."""
        return not self.dismissed and not self.complete


def onboarding_steps(actor: Actor) -> Onboarding:
    """The checklist of the person in the workspace they work in, in three small queries (an account, a post, an
    AI provider of the workspace's own). A step their role may not take is left out: someone else's to do."""
    user, workspace = actor.user, actor.workspace
    assert user is not None, "the checklist is a person's"
    steps = []
    if workspace.awaiting_first_cycle:
        steps.append(
            Step(
                "email",
                "Confirm your email address",
                f"Follow the link we sent to {user.email}; your plan's credits arrive with it.",
                False,
                reverse("confirm-email-pending"),
                "Send it again",
            )
        )
    if actor.may(Action.SETTINGS):
        steps.append(
            Step(
                "time_zone",
                "Check your time zone",
                f"Posts go out by the clock of your time zone, now {workspace.time_zone}.",
                user.time_zone_confirmed_at is not None,
                reverse("settings"),
                "Choose another",
            )
        )
    if actor.may(Action.CONNECT):
        connected = workspace.social_accounts.exclude(status=AccountStatus.DISCONNECTED).exists()
        steps.append(
            Step(
                "connect",
                "Connect an account",
                "Bluesky, Mastodon, a webhook and more: where your posts go.",
                connected,
                reverse("connections"),
                "Connect",
            )
        )
    if actor.may(Action.SETTINGS):
        own_ai = AIProviderConfig.objects.filter(workspace=workspace).exists()
        site_ai = site_config_or_none() is not None
        ai_text = "Add a language model (OpenAI, Anthropic, Ollama and more) to draft posts for you."
        if site_ai and not own_ai:
            ai_text = "This server writes for you already; add your own model if you prefer another."
        steps.append(
            Step("ai", "Set up AI writing", ai_text, own_ai or site_ai, reverse("generate-provider"), "Set up AI")
        )
    if actor.may(Action.DRAFT):
        steps.append(
            Step(
                "post",
                "Write your first post",
                "Write it once, adjust it per network, and schedule it.",
                workspace.posts.exists(),
                reverse("compose"),
                "Write a post",
            )
        )
    return Onboarding(steps, dismissed=user.onboarding_dismissed_at is not None)


def _back(request: HttpRequest) -> HttpResponse:
    target = str(request.POST.get("next", ""))
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("onboarding")


@login_required
@require_GET
def getting_started(request: HttpRequest) -> HttpResponse:
    return render(request, "web/onboarding/page.html", {"onboarding": onboarding_steps(acting(request))})


@login_required
@require_POST
def confirm_time_zone(request: HttpRequest) -> HttpResponse:
    """The checklist's one click: the zone the browser reported (or the workspace's own, without script)."""
    actor = acting(request)
    chosen = str(request.POST.get("time_zone", "")).strip() or actor.workspace.time_zone
    try:
        workspace = set_time_zone(actor, time_zone=chosen)
    except (RoleTooLow, NotFound):
        raise
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Time zone set to {workspace.time_zone}. Posts go out by its clock.")
    return _back(request)


@login_required
@require_POST
def dismiss(request: HttpRequest) -> HttpResponse:
    dismiss_onboarding(signed_in(request))
    messages.success(request, "Checklist put away. Settings has a link back to it.")
    return _back(request)


# Mounted at / by tidings.web.urls.
urls = [
    path("getting-started/", getting_started, name="onboarding"),
    path("getting-started/time-zone/", confirm_time_zone, name="onboarding-time-zone"),
    path("getting-started/dismiss/", dismiss, name="onboarding-dismiss"),
]
