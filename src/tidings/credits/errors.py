from tidings.core.errors import DomainError


class InsufficientCredits(DomainError):
    code = "insufficient_credits"
