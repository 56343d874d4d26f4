"""Naming accounts in an import file: by id, by handle, or by "platform:handle" where a handle is on two platforms.
Only the workspace's own connected accounts are found; another workspace's account is as unknown as a typo."""

from tidings.core.errors import InvalidInput
from tidings.platforms.models import AccountStatus, Platform, SocialAccount
from tidings.workspaces.models import Workspace


class AccountBook:
    """The workspace's connected accounts, looked up by the names a file may use."""

    def __init__(self, workspace: Workspace) -> None:
        accounts = SocialAccount.objects.filter(workspace=workspace).exclude(status=AccountStatus.DISCONNECTED)
        self.by_id: dict[str, SocialAccount] = {}
        self.by_handle: dict[str, list[SocialAccount]] = {}
        for account in accounts.order_by("pk"):
            self.by_id[str(account.pk)] = account
            self.by_handle.setdefault(account.handle.lower(), []).append(account)

    def find(self, name: str) -> SocialAccount:
        """The account `name` means; refused when it is none of the workspace's, or could be several."""
        if name.isdigit():
            if name in self.by_id:
                return self.by_id[name]
            raise InvalidInput(f"No connected account {name} in this workspace.", field="accounts")
        platform, _, handle = name.partition(":")
        if handle and platform.lower() in Platform.values:
            found = [a for a in self.by_handle.get(handle.lower(), []) if a.platform == platform.lower()]
        else:
            found = self.by_handle.get(name.lower(), [])
        if not found:
            raise InvalidInput(f"No connected account {name} in this workspace.", field="accounts")
        if len(found) > 1:
            raise InvalidInput(
                f"{name} is the handle of several accounts; write it as platform:handle ({found[0].platform}:{name}).",
                field="accounts",
            )
        return found[0]

    def find_all(self, names: tuple[str, ...]) -> list[SocialAccount]:
        if not names:
            raise InvalidInput("The row names no account.", field="accounts")
        accounts = list({account.pk: account for account in map(self.find, names)}.values())
        return accounts
