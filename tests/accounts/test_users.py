import pytest
from django.core.management import call_command

from tests.support.workspaces import owner, workspace_of
from tidings.accounts.models import User
from tidings.accounts.services import create_user
from tidings.automation.models import AutomationRule
from tidings.core.errors import InvalidInput
from tidings.credits.models import CreditLedgerEntry, LedgerKind
from tidings.tiers.plans import Tier
from tidings.workspaces.plan import set_time_zone

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("tier", "monthly"), [(Tier.FREE, 10), (Tier.PRO, 500), (Tier.BUSINESS, 2000)])
def test_a_new_user_gets_the_first_months_credits_in_the_ledger(tier: Tier, monthly: int) -> None:
    user = create_user("dana", password="correct horse battery staple", tier=tier, time_zone="Asia/Tokyo")
    assert workspace_of(user).credits == monthly
    entry = CreditLedgerEntry.objects.get(workspace=workspace_of(user), balance="credits")
    assert (entry.kind, entry.amount, entry.balance_after) == (LedgerKind.GRANT, monthly, monthly)
    video = CreditLedgerEntry.objects.get(workspace=workspace_of(user), balance="video_credits")
    assert (video.kind, video.amount, video.balance_after) == (
        LedgerKind.GRANT,
        workspace_of(user).video_credits,
        workspace_of(user).video_credits,
    )
    assert workspace_of(user).video_credits == {Tier.FREE: 2, Tier.PRO: 30, Tier.BUSINESS: 150}[tier]
    assert workspace_of(user).time_zone == "Asia/Tokyo"
    assert workspace_of(user).last_credit_reset == workspace_of(user).credit_cycle_anchor
    assert workspace_of(user).next_credit_reset.month != workspace_of(user).last_credit_reset.month


def test_an_unknown_time_zone_is_refused_and_nothing_is_created() -> None:
    with pytest.raises(InvalidInput, match="not a known IANA time zone") as refusal:
        create_user("dana", password="x", time_zone="Mars/Olympus_Mons")
    assert refusal.value.details == {"field": "time_zone"}
    assert not User.objects.filter(username="dana").exists()


def test_changing_the_time_zone_validates_it(alice: User) -> None:
    assert set_time_zone(owner(alice), time_zone="America/New_York").time_zone == "America/New_York"
    with pytest.raises(InvalidInput):
        set_time_zone(owner(alice), time_zone="Nowhere/Town")
    assert workspace_of(alice).time_zone == "America/New_York"


def test_seed_demo_creates_one_user_per_tier_once(settings, tmp_path) -> None:
    settings.DATA_DIR = tmp_path
    call_command("seed_demo", verbosity=0)
    first = {u.username: (workspace_of(u).tier, workspace_of(u).credits, u.is_demo) for u in User.objects.all()}
    ledger = CreditLedgerEntry.objects.count()
    call_command("seed_demo", verbosity=0)
    assert {u.username: (workspace_of(u).tier, workspace_of(u).credits, u.is_demo) for u in User.objects.all()} == first
    assert CreditLedgerEntry.objects.count() == ledger
    rules = AutomationRule.objects.filter(workspace__personal_owner__is_demo=True)
    assert sorted(
        rules.values_list("workspace__personal_owner__username", "name", "enabled", "review", "next_run_at")
    ) == [
        (username, "Demo: Monday tips (paused)", False, "review_first", None)
        for username in ("demo-business", "demo-free", "demo-pro")
    ]
    assert {name: tier for name, (tier, _, demo) in first.items() if demo} == {
        "demo-free": "free",
        "demo-pro": "pro",
        "demo-business": "business",
    }
    password = (tmp_path / "demo_password").read_text().strip()
    assert User.objects.get(username="demo-pro").check_password(password)
