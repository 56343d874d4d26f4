"""Writing with the workspace's AI provider. Each draft is one generation of the plan's daily limit; no credits.
503 when no provider is set up or it cannot be reached."""

from django.http import HttpRequest
from ninja import Router

from tidings.api.auth import actor_of, needs
from tidings.api.schemas import ERRORS, ErrorOut
from tidings.api.schemas.generation import DraftOut, DraftsOut, GenerateIn, RewriteIn, ShortenIn
from tidings.generation.brief import Brief
from tidings.generation.services import generate_posts, rewrite_text, shorten_text

router = Router(tags=["generation"])
AUTH = needs("generate")
RESPONSES = {**ERRORS, 502: ErrorOut, 503: ErrorOut}


@router.post("/generate", response={200: DraftsOut, **RESPONSES}, auth=AUTH)
def generate(request: HttpRequest, payload: GenerateIn) -> DraftsOut:
    """`variants` drafts for each platform, from a brief."""
    brief = Brief(**payload.model_dump(exclude={"platforms", "variants", "hashtags"}), hashtags=tuple(payload.hashtags))
    drafts = generate_posts(
        actor_of(request), brief=brief, platforms=[str(p) for p in payload.platforms], variants=payload.variants
    )
    return DraftsOut(drafts=[DraftOut.of(d) for d in drafts])


@router.post("/generate/rewrite", response={200: DraftOut, **RESPONSES}, auth=AUTH)
def rewrite(request: HttpRequest, payload: RewriteIn) -> DraftOut:
    draft = rewrite_text(
        actor_of(request), text=payload.text, instruction=payload.instruction, platform=payload.platform
    )
    return DraftOut.of(draft)


@router.post("/generate/shorten", response={200: DraftOut, **RESPONSES}, auth=AUTH)
def shorten(request: HttpRequest, payload: ShortenIn) -> DraftOut:
    return DraftOut.of(shorten_text(actor_of(request), text=payload.text, platform=payload.platform))
