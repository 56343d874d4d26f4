"""The Webhooks settings page: the workspace's event endpoints, adding one, its secret, a test event and each
endpoint's delivery log with "Redeliver". Everyone in the workspace may look; admins and owners change them."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tidings.core.errors import DomainError, NotFound
from tidings.web.auth import acting
from tidings.web.errors import show_on_form
from tidings.webhooks import services
from tidings.webhooks.models import SUBSCRIBABLE, Delivery, Endpoint
from tidings.webhooks.selectors import deliveries_of, endpoints_of, get_endpoint
from tidings.workspaces.actors import Actor
from tidings.workspaces.roles import NEEDS, Action, RoleTooLow

LOG_SIZE = 50
EVENT_CHOICES = [(str(event), f"{event.value}: {event.label}") for event in SUBSCRIBABLE]


class EndpointForm(forms.Form):
    url = forms.CharField(label="Address", max_length=2000, help_text="https:// address that receives the events.")
    description = forms.CharField(label="Description", max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label="Events", choices=EVENT_CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )


def _detail(
    request: HttpRequest, actor: Actor, endpoint: Endpoint, *, secret: str = "", form: EndpointForm | None = None
) -> HttpResponse:
    initial = {"url": endpoint.url, "description": endpoint.description, "event_types": endpoint.event_types}
    deliveries: list[Delivery] = list(deliveries_of(actor.workspace, endpoint.pk)[:LOG_SIZE])
    context = {
        "section": "webhooks",
        "endpoint": endpoint,
        "secret": secret,
        "form": form or EndpointForm(initial=initial, auto_id="edit_%s"),
        "deliveries": deliveries,
        "may_manage": actor.may(Action.WEBHOOKS),
    }
    return render(request, "web/workspace/webhook.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def webhooks_page(request: HttpRequest) -> HttpResponse:
    actor = acting(request)
    if request.method == "POST":
        actor.require(Action.WEBHOOKS)
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = services.create_endpoint(
                actor,
                url=form.cleaned_data["url"],
                event_types=form.cleaned_data["event_types"],
                description=form.cleaned_data["description"],
            )
        except DomainError as error:
            show_on_form(form, error)
        else:
            # Shown here once, never put in a message or a redirect's cookie.
            messages.success(request, "Endpoint added. Copy its signing secret now; admins can reveal it later.")
            return _detail(request, actor, endpoint, secret=endpoint.secret)
    context = {
        "section": "webhooks",
        "form": form,
        "endpoints": endpoints_of(actor.workspace),
        "may_manage": actor.may(Action.WEBHOOKS),
        "manage_needs": NEEDS[Action.WEBHOOKS].label,
    }
    return render(request, "web/workspace/webhooks.html", context)


@login_required
@require_GET
def endpoint_page(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    actor = acting(request)
    return _detail(request, actor, get_endpoint(actor.workspace, endpoint_id))


@login_required
@require_POST
def edit(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    actor = acting(request)
    actor.require(Action.WEBHOOKS)
    endpoint = get_endpoint(actor.workspace, endpoint_id)
    form = EndpointForm(request.POST, auto_id="edit_%s")
    if form.is_valid():
        try:
            services.update_endpoint(
                actor,
                endpoint.pk,
                url=form.cleaned_data["url"],
                event_types=form.cleaned_data["event_types"],
                description=form.cleaned_data["description"],
                enabled=endpoint.enabled,
            )
        except (RoleTooLow, NotFound):
            raise
        except DomainError as error:
            show_on_form(form, error)
        else:
            messages.success(request, "Endpoint saved.")
            return redirect("webhook", endpoint.pk)
    return _detail(request, actor, endpoint, form=form)


def _run(request: HttpRequest, endpoint_id: int, call: object, done: str) -> HttpResponse:
    try:
        call()  # type: ignore[operator]
    except (RoleTooLow, NotFound):
        raise
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("webhook", endpoint_id)


@login_required
@require_POST
def toggle(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    actor, on = acting(request), request.POST.get("enabled") == "1"
    call = lambda: services.set_endpoint_enabled(actor, endpoint_id, enabled=on)  # noqa: E731
    return _run(request, endpoint_id, call, "Endpoint turned on." if on else "Endpoint turned off.")


@login_required
@require_POST
def delete(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    actor = acting(request)
    services.delete_endpoint(actor, endpoint_id)
    messages.success(request, "Endpoint removed.")
    return redirect("webhooks")


@login_required
@require_POST
def reveal(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    actor = acting(request)
    secret = services.reveal_secret(actor, endpoint_id)
    return _detail(request, actor, get_endpoint(actor.workspace, endpoint_id), secret=secret)


def _said(delivery: Delivery) -> str:
    if delivery.last_status_code is not None:
        return f"It answered {delivery.last_status_code}."
    return f"It did not answer: {delivery.last_error}"


@login_required
@require_POST
def ping(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    actor = acting(request)
    delivery = services.ping_endpoint(actor, endpoint_id)
    done = messages.success if delivery.status == "delivered" else messages.error
    done(request, f"Test event sent. {_said(delivery)}")
    return redirect("webhook", endpoint_id)


@login_required
@require_POST
def redeliver(request: HttpRequest, delivery_id: int) -> HttpResponse:
    actor = acting(request)
    try:
        delivery = services.redeliver(actor, delivery_id)
    except (RoleTooLow, NotFound):
        raise
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("webhooks")
    done = messages.success if delivery.status == "delivered" else messages.error
    done(request, f"Sent again. {_said(delivery)}")
    return redirect("webhook", delivery.endpoint_id)


urls = [
    path("workspace/webhooks/", webhooks_page, name="webhooks"),
    path("workspace/webhooks/<int:endpoint_id>/", endpoint_page, name="webhook"),
    path("workspace/webhooks/<int:endpoint_id>/edit/", edit, name="webhook-edit"),
    path("workspace/webhooks/<int:endpoint_id>/toggle/", toggle, name="webhook-toggle"),
    path("workspace/webhooks/<int:endpoint_id>/delete/", delete, name="webhook-delete"),
    path("workspace/webhooks/<int:endpoint_id>/secret/", reveal, name="webhook-secret"),
    path("workspace/webhooks/<int:endpoint_id>/ping/", ping, name="webhook-ping"),
    path("workspace/webhooks/deliveries/<int:delivery_id>/redeliver/", redeliver, name="webhook-redeliver"),
]
