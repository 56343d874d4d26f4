"""One table says what each role may do; every role may do what the one below it may."""

import pytest

from tidings.workspaces.roles import NEEDS, Action, Role, RoleTooLow, allows, require

EXPECTED = {
    Role.VIEWER: {Action.VIEW},
    Role.CONTRIBUTOR: {Action.VIEW, Action.DRAFT},
    Role.EDITOR: {Action.VIEW, Action.DRAFT, Action.SCHEDULE, Action.APPROVE, Action.AUTOMATE},
    Role.ADMIN: set(Action) - {Action.PLAN, Action.OWN},
    Role.OWNER: set(Action),
}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_may_do_exactly_its_actions(role: Role) -> None:
    assert {action for action in Action if allows(role, action)} == EXPECTED[role]


def test_every_action_names_the_lowest_role_it_needs() -> None:
    assert set(NEEDS) == set(Action)
    for action, needed in NEEDS.items():
        below = [role for role in Role if role.rank < needed.rank]
        assert allows(needed, action)
        assert not any(allows(role, action) for role in below)


def test_a_refusal_names_the_role_it_needs() -> None:
    with pytest.raises(RoleTooLow) as refused:
        require(Role.CONTRIBUTOR, Action.SCHEDULE)
    assert refused.value.as_dict() == {
        "code": "role_too_low",
        "message": "Your role in this workspace (Contributor) cannot schedule or publish posts; it needs Editor or "
        "above.",
        "role": "contributor",
        "needed": "editor",
        "action": "schedule",
    }
    require(Role.EDITOR, Action.SCHEDULE)
