"""Form parsing for the generation pages; the services validate again and own the rules."""

from django import forms

from tidings.generation.brief import MAX_VARIANTS, Brief, parse_hashtags
from tidings.generation.models import ProviderKind
from tidings.platforms.models import Platform


class GenerateForm(forms.Form):
    topic = forms.CharField(max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    tone = forms.CharField(max_length=200, required=False, help_text="For example: friendly, expert, playful.")
    audience = forms.CharField(max_length=200, required=False)
    call_to_action = forms.CharField(max_length=300, required=False)
    language = forms.CharField(max_length=50, initial="English")
    link = forms.URLField(max_length=2000, required=False, assume_scheme="https")
    hashtags = forms.CharField(max_length=1000, required=False, help_text="Separated by spaces or commas.")
    platforms = forms.MultipleChoiceField(choices=Platform.choices, widget=forms.CheckboxSelectMultiple)
    variants = forms.IntegerField(min_value=1, max_value=MAX_VARIANTS, initial=1)

    def brief(self) -> Brief:
        data = self.cleaned_data
        return Brief(
            topic=data["topic"],
            tone=data["tone"],
            audience=data["audience"],
            call_to_action=data["call_to_action"],
            language=data["language"],
            link=data["link"],
            hashtags=parse_hashtags(data["hashtags"]),
        )


class ReviseForm(forms.Form):
    action = forms.ChoiceField(choices=[("rewrite", "Rewrite"), ("shorten", "Shorten")])
    platform = forms.ChoiceField(choices=Platform.choices)
    text = forms.CharField(max_length=20_000, widget=forms.Textarea(attrs={"rows": 5}))
    instruction = forms.CharField(max_length=500, required=False, help_text="How to rewrite it (for Rewrite).")


class ProviderForm(forms.Form):
    kind = forms.ChoiceField(choices=ProviderKind.choices)
    base_url = forms.URLField(
        required=False,
        assume_scheme="https",
        help_text="Blank for the vendor's API; OpenRouter: https://openrouter.ai/api/v1. A public address: a model "
        "server on this machine or a private network is for the site's operator to set up.",
    )
    model = forms.CharField(max_length=200, help_text="For example gpt-4o-mini, llama3.1, claude-sonnet-4-5.")
    api_key = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Stored encrypted and never shown again. Leave blank to keep the stored key.",
    )
