"""The daily generation limit, taken before a provider is called and given back when the call fails.

Counting first is what makes the limit hold under concurrency: the check and the count run in one transaction
that holds the workspace's row lock, so two requests cannot both see the last free generation. Counting only after a
success would need the lock held across the provider call (seconds to minutes), or would let concurrent requests
overshoot. So a request takes what it needs up front, and a request that fails (the provider down, a wrong key,
any error) gives all of it back: generations the workspace never received do not count against it.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tidings.credits.services import lock_workspace
from tidings.generation.logs import record_generation
from tidings.generation.models import GenerationOutcome
from tidings.generation.writers.base import WriterConfig
from tidings.tiers.checks import can_generate
from tidings.tiers.services import TierLimitReached, refuse
from tidings.usage.models import DailyUsage, Metric
from tidings.usage.services import count_usage, local_day
from tidings.workspaces.actors import Actor
from tidings.workspaces.models import Workspace


@dataclass(frozen=True)
class Reservation:
    workspace_id: int
    day: date
    amount: int


def reserve_generations(workspace: Workspace, *, amount: int) -> Reservation:
    """Count `amount` generations on the workspace's local today if the plan allows them; raises TierLimitReached
    (without notifying) and counts nothing otherwise."""
    at = timezone.now()
    with transaction.atomic():
        locked = lock_workspace(workspace.pk)
        decision = can_generate(locked, at=at, adding=amount)
        if not decision.allowed:
            raise TierLimitReached(decision)
        count_usage(locked, metric=Metric.GENERATIONS, at=at, amount=amount)
        return Reservation(workspace_id=locked.pk, day=local_day(locked, at), amount=amount)


def uncount_usage(workspace_id: int, *, metric: Metric, day: date, amount: int, platform: str = "") -> bool:
    """Take `amount` back off a daily counter, never below zero. True when it was taken off."""
    with transaction.atomic():
        lock_workspace(workspace_id)
        lookup = {"workspace_id": workspace_id, "day": day, "metric": metric, "platform": platform}
        return bool(DailyUsage.objects.filter(**lookup, count__gte=amount).update(count=F("count") - amount))


def give_back(reservation: Reservation) -> None:
    uncount_usage(reservation.workspace_id, metric=Metric.GENERATIONS, day=reservation.day, amount=reservation.amount)


def reserve_or_refuse(
    actor: Actor, config: WriterConfig, *, amount: int, action: str, platform: str = ""
) -> Reservation:
    """`reserve_generations` for the actor's workspace, with a refusal logged, notified once a day (`refuse`, the
    actor among those told) and raised as TierLimitReached; nothing is counted then and the provider is not
    called."""
    workspace = actor.workspace
    try:
        return reserve_generations(workspace, amount=amount)
    except TierLimitReached as refusal:
        outcome = GenerationOutcome.REFUSED
        record_generation(workspace, config, action=action, platform=platform, outcome=outcome, error=refusal.message)
        refuse(workspace, refusal.decision, by=actor.user)


@contextmanager
def generations_reserved(
    actor: Actor, config: WriterConfig, *, amount: int, action: str, platform: str = ""
) -> Iterator[Reservation]:
    """Hold `amount` generations for the block; any exception out of it gives them all back."""
    reservation = reserve_or_refuse(actor, config, amount=amount, action=action, platform=platform)
    try:
        yield reservation
    except BaseException:
        give_back(reservation)
        raise
