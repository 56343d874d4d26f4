from tidings.core.errors import Conflict


class RulePaused(Conflict):
    """A scheduled run found its rule paused: not a failure, the rule simply does not run."""

    code = "rule_paused"
