"""An account's link tagging: whether its posts' links get UTM tags when they go out, and which. Linked from the
account's card on the Connections page; a post can override it in the composer."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from tidings.core.errors import DomainError, NotFound
from tidings.platforms.services import get_account
from tidings.tagging.models import VALUE_LENGTH
from tidings.tagging.selectors import PostChoice, Values, account_tagging, resolve
from tidings.tagging.services import set_account_tagging
from tidings.tagging.utm import DEFAULT_MEDIUM, FIELDS, tag_url
from tidings.web.auth import acting
from tidings.workspaces.roles import Action, RoleTooLow

EXAMPLE = "https://example.com/menu"


class AccountTaggingForm(forms.Form):
    enabled = forms.BooleanField(required=False, label="Tag the links of this account's posts")
    source = forms.CharField(required=False, max_length=VALUE_LENGTH, label="utm_source")
    medium = forms.CharField(required=False, max_length=VALUE_LENGTH, label="utm_medium")
    campaign = forms.CharField(required=False, max_length=VALUE_LENGTH, label="utm_campaign")
    term = forms.CharField(required=False, max_length=VALUE_LENGTH, label="utm_term (optional)")
    content = forms.CharField(required=False, max_length=VALUE_LENGTH, label="utm_content (optional)")


@login_required
def account_tagging_page(request: HttpRequest, account_id: int) -> HttpResponse:
    actor = acting(request)
    account = get_account(actor.workspace, account_id)  # NotFound: the 404 page
    row = account_tagging(account)
    if request.method == "POST":
        actor.require(Action.CONNECT)  # before the form is read
        form = AccountTaggingForm(request.POST)
        if form.is_valid():
            values = Values(**{name: form.cleaned_data[name] for name in FIELDS})
            try:
                set_account_tagging(actor, account.pk, enabled=form.cleaned_data["enabled"], values=values)
            except (RoleTooLow, NotFound):
                raise
            except DomainError as refusal:
                form.add_error(None, refusal.message)
            else:
                state = "are tagged" if form.cleaned_data["enabled"] else "are no longer tagged"
                messages.success(request, f"Links in posts to {account} {state}.")
                return redirect("connections")
    else:
        initial = {"enabled": row.enabled, **Values.of(row).as_dict()} if row else {}
        form = AccountTaggingForm(initial=initial)
    tags = resolve(account.platform, row, PostChoice("on")) if row and row.enabled else None
    context = {
        "account": account,
        "form": form,
        "may_change": actor.may(Action.CONNECT),
        "defaults": {"source": account.platform, "medium": DEFAULT_MEDIUM},
        "example": EXAMPLE,
        "tagged_example": tag_url(EXAMPLE, tags) if tags else "",
    }
    return render(request, "web/tagging.html", context, status=400 if form.is_bound else 200)


urls = [path("connections/accounts/<int:account_id>/tagging/", account_tagging_page, name="account-tagging")]
