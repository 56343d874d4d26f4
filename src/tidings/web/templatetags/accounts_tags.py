"""Form fields in Tabler's markup for the sign-in, sign-up and settings pages: label, control, help and error, tied
together for screen readers (`aria-describedby`, `aria-invalid`)."""

from typing import Any

from django import forms, template

register = template.Library()


@register.inclusion_tag("web/settings/field.html")
def field(bound: forms.BoundField, hint: str = "", autofocus: bool = False, label: str = "") -> dict[str, Any]:
    """One field. `hint` and `label` replace the form's; checkboxes and checkbox lists render as form-checks."""
    widget = bound.field.widget
    help_text = hint or str(bound.help_text or "")
    described = []
    if help_text:
        described.append(f"{bound.auto_id}_help")
    if bound.errors:
        described.append(f"{bound.auto_id}_error")
    attrs: dict[str, Any] = {}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if bound.errors:
        attrs["aria-invalid"] = "true"
    if autofocus:
        attrs["autofocus"] = True
    kind = "control"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        kind = "checks"
        widget.attrs.setdefault("class", "form-check-input")  # each form's fields are its own copies
    elif isinstance(widget, forms.CheckboxInput):
        kind = "check"
        attrs["class"] = "form-check-input"
    elif isinstance(widget, forms.HiddenInput):
        kind = "hidden"
    else:
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        attrs["class"] = f"{css} is-invalid" if bound.errors else css
    return {
        "field": bound,
        "label": label or bound.label,
        "kind": kind,
        "widget": bound.as_widget(attrs=attrs) if kind != "checks" else "",
        "help_text": help_text,
        "required": bound.field.required,
    }
