"""A Pinterest account's boards: the list kept on the account and its default board, which Pins go to unless a
post names its own. The composer reads `options["boards"]` and `options["board_id"]`; these keys stay as they are.
"""

from tidings.core.errors import Conflict, ConnectFailed, InvalidInput
from tidings.platforms.base import PublishFailure, ReauthRequired
from tidings.platforms.connectors.pinterest import PinterestConnector, account_boards
from tidings.platforms.models import AccountStatus, Platform, SocialAccount
from tidings.platforms.services import get_account, mark_reconnect_needed
from tidings.workspaces.actors import Actor
from tidings.workspaces.roles import Action


def choose_default_board(actor: Actor, account_id: int, *, board_id: str) -> SocialAccount:
    """Make one of the account's boards the one Pins go to by default (an account option: CONNECT)."""
    account = _pinterest(actor, account_id)
    board = next((b for b in account_boards(account) if str(b["id"]) == board_id), None)
    if board is None:
        raise InvalidInput("That board is not among this account's boards; refresh the list and pick again.")
    account.options = {**account.options, "board_id": str(board["id"])}
    account.save(update_fields=["options", "updated_at"])
    return account


def refresh_boards(actor: Actor, account_id: int) -> SocialAccount:
    """Read the account's boards from Pinterest again; the default stays while it still exists, else the first
    public board (else the first) takes its place."""
    account = _pinterest(actor, account_id)
    if account.status != AccountStatus.ACTIVE:
        raise Conflict("Reconnect this Pinterest account first; its boards are read with its sign-in.")
    try:
        boards = PinterestConnector().boards(account.access_token)
    except ReauthRequired as error:
        mark_reconnect_needed(account.pk, reason=error.message)
        raise ConnectFailed(error.message, platform=Platform.PINTEREST) from None
    except PublishFailure as error:
        raise ConnectFailed(error.message, platform=Platform.PINTEREST) from None
    if not boards:
        raise ConnectFailed("This Pinterest account has no boards now; create one on Pinterest, then refresh.")
    ids = [board["id"] for board in boards]
    default = str(account.options.get("board_id") or "")
    if default not in ids:
        default = next((b["id"] for b in boards if b["privacy"] == "PUBLIC"), ids[0])
    kept = [{"id": board["id"], "name": board["name"]} for board in boards]
    account.options = {**account.options, "boards": kept, "board_id": default}
    account.save(update_fields=["options", "updated_at"])
    return account


def _pinterest(actor: Actor, account_id: int) -> SocialAccount:
    actor.require(Action.CONNECT)
    account = get_account(actor.workspace, account_id)
    if account.platform != Platform.PINTEREST:
        raise InvalidInput("Only Pinterest accounts have boards.")
    return account
