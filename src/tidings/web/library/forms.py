"""The library's two forms; the services check everything again and own the rules."""

from django import forms

from tidings.library.models import NAME_LENGTH
from tidings.library.services import MAX_SNIPPET


class SnippetForm(forms.Form):
    prefix = "snippet"  # both forms share the library page: their fields' ids stay apart
    name = forms.CharField(max_length=NAME_LENGTH)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=MAX_SNIPPET, strip=False)


class HashtagGroupForm(forms.Form):
    prefix = "group"
    name = forms.CharField(max_length=NAME_LENGTH)
    hashtags = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=3100,
        help_text="Separated by spaces or commas, such as #bakery #sourdough; repeats are dropped.",
    )
