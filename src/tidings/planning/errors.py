from tidings.core.errors import Conflict


class NoFreeSlot(Conflict):
    """No slot can take the post: no schedule is set for an account, or every slot within the horizon is taken or
    on a day at its limit. `settings_url` says where to set slots."""

    code = "no_free_slot"
