"""Form parsing for the connections pages; the connectors validate the values again with the platform."""

from django import forms

from tidings.platforms.models import Platform


class BlueskyCredentialsForm(forms.Form):
    identifier = forms.CharField(
        label="Handle", max_length=253, help_text="For example alice.bsky.social (or the e-mail you sign in with)."
    )
    app_password = forms.CharField(
        label="App password",
        max_length=100,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Create one in Bluesky under Settings, Privacy and security, App passwords. Stored encrypted.",
    )
    service = forms.URLField(
        label="Server",
        required=False,
        assume_scheme="https",
        help_text="Leave blank for bsky.social; give your PDS's address if you host your own.",
    )


class WebhookCredentialsForm(forms.Form):
    name = forms.CharField(max_length=100, required=False, help_text="How the account is shown here.")
    url = forms.URLField(label="URL", max_length=2000, assume_scheme="https")
    secret = forms.CharField(
        label="Signing secret",
        min_length=16,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="At least 16 characters; every post is signed with it (X-Tidings-Signature). Stored encrypted.",
    )


CREDENTIAL_FORMS: dict[str, type[forms.Form]] = {
    Platform.BLUESKY: BlueskyCredentialsForm,
    Platform.WEBHOOK: WebhookCredentialsForm,
}


class StartConnectForm(forms.Form):
    """The button that starts a sign-in; Mastodon also needs the user's server."""

    instance = forms.CharField(max_length=255, required=False)


def form_fields(form: forms.Form) -> dict[str, str]:
    """Cleaned values as the strings a connector takes."""
    return {name: "" if value is None else str(value) for name, value in form.cleaned_data.items()}
