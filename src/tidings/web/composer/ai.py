"""AI in the composer: drafts from a brief for the chosen accounts' platforms, and a text rewritten for one network,
shortened to fit it, or given hashtags. Each result is offered beside the text, which changes only on "Use this"."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from tidings.core.errors import DomainError, InvalidInput, NotFound
from tidings.generation.brief import Brief
from tidings.generation.drafts import Draft
from tidings.generation.services import generate_posts, rewrite_text, shorten_text
from tidings.platforms.models import AccountStatus
from tidings.platforms.rules import platform_name
from tidings.tiers.checks import can_generate
from tidings.web.auth import acting
from tidings.workspaces.roles import RoleTooLow

HASHTAGS = (
    "Add two to four relevant hashtags at the end, in the way this network uses them; keep the rest of the text "
    "exactly as it is."
)
ADAPT = "Adapt it to this network's style and conventions, keeping what it says."
KINDS = {"rewrite": "Rewritten", "shorten": "Shortened", "hashtags": "With hashtags"}


def _chosen_platforms(request: HttpRequest) -> list[str]:
    """The platforms of the chosen accounts that are connected: nothing is written for a platform without one."""
    workspace = acting(request).workspace
    ids = [int(i) for i in request.POST.getlist("accounts") if i.isdigit()]
    chosen = workspace.social_accounts.filter(pk__in=ids, status=AccountStatus.ACTIVE)
    return sorted(set(chosen.values_list("platform", flat=True)))


def _drafts(request: HttpRequest, drafts: list[Draft], *, kind: str = "") -> HttpResponse:
    named = [
        {
            "platform": d.platform,
            "name": platform_name(d.platform),
            "text": d.text,
            "problems": d.problems,
            "kind": kind,
        }
        for d in drafts
    ]
    generations = can_generate(acting(request).workspace)
    return render(request, "web/partials/drafts.html", {"drafts": named, "generations": generations})


def _refused(request: HttpRequest, message: str) -> HttpResponse:
    generations = can_generate(acting(request).workspace)
    return render(request, "web/partials/drafts.html", {"refusal": message, "generations": generations})


@login_required
@require_POST
def generate(request: HttpRequest) -> HttpResponse:
    """Drafts from the workspace's AI provider for the chosen accounts' platforms, shown next to the composer."""
    actor = acting(request)
    platforms = _chosen_platforms(request)
    brief = Brief(
        topic=request.POST.get("topic", ""),
        tone=request.POST.get("tone", ""),
        link=request.POST.get("link", ""),
    )
    try:
        if not platforms:
            raise InvalidInput("Choose the accounts first: each platform gets a draft that fits it.", field="accounts")
        drafts = generate_posts(actor, brief=brief, platforms=platforms)
    except (RoleTooLow, NotFound):
        raise
    except DomainError as refusal:
        return _refused(request, refusal.message)
    return _drafts(request, drafts)


@login_required
@require_POST
def revise(request: HttpRequest) -> HttpResponse:
    """The text of one network's tab rewritten for that network, shortened to fit it, or given hashtags."""
    actor = acting(request)
    kind = request.POST.get("kind", "")
    platform = request.POST.get("platform", "")
    text = request.POST.get("revise_text", "")
    try:
        if kind not in KINDS:
            raise InvalidInput("Choose what to do with the text.", field="kind")
        if platform not in _chosen_platforms(request):
            raise InvalidInput("Choose an account on that network first.", field="platform")
        if kind == "shorten":
            draft = shorten_text(actor, text=text, platform=platform)
        else:
            instruction = HASHTAGS if kind == "hashtags" else " ".join([ADAPT, request.POST.get("instruction", "")])
            draft = rewrite_text(actor, text=text, instruction=instruction.strip()[:500], platform=platform)
    except (RoleTooLow, NotFound):
        raise
    except DomainError as refusal:
        return _refused(request, refusal.message)
    return _drafts(request, [draft], kind=KINDS[kind])
