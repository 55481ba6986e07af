"""Forms of the case page: merging, splitting, notes and tasks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from flagdesk.accounts.models import User
from flagdesk.audit.reasons import MAX_REASON
from flagdesk.core.widgets import DATE_ERRORS, IsoDateInput

from .forms import _Form
from .models import Item
from .services.notes import MAX_NOTE, MAX_TITLE

REASON_HELP = gettext_lazy("Recorded on both cases' timelines and in the audit trail.")


class MergeForm(_Form):
    reference = forms.CharField(
        label=gettext_lazy("Reference of the case to merge into this one"),
        max_length=20,
        help_text=gettext_lazy("For example C-7KQ3-M9XD. Its items and reports come here."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=MAX_REASON,
        help_text=REASON_HELP,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm_access = forms.BooleanField(
        label=gettext_lazy("I confirm who may open the merged case (listed above)"),
        required=False,
    )


def _item_label(item: Item) -> str:
    return f"{item.url} · {item.get_status_display()}"


class SplitForm(_Form):
    items = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Items that go to a new case"),
        queryset=Item.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=MAX_REASON,
        help_text=REASON_HELP,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, items: list[Item], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["items"]
        assert isinstance(field, forms.ModelMultipleChoiceField)  # noqa: S101 - declared above
        field.queryset = Item.objects.filter(pk__in=[i.pk for i in items]).order_by("created_at")
        field.label_from_instance = _item_label


class _ItemChoice(_Form):
    """An optional item of the case the note or task is about."""

    item = forms.ModelChoiceField(
        label=gettext_lazy("About the item"),
        queryset=Item.objects.none(),
        required=False,
        empty_label=gettext_lazy("The whole case"),
    )

    def __init__(self, *args: Any, items: list[Item], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["item"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared above
        field.queryset = Item.objects.filter(pk__in=[i.pk for i in items]).order_by("created_at")
        field.label_from_instance = lambda item: item.url


class NoteForm(_ItemChoice):
    text = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "For colleagues on this case. A note cannot be edited: write a new one to correct "
            "it. Do not copy a reporter's identity here."
        ),
    )
    field_order = ["text", "item"]


class TaskForm(_ItemChoice):
    title = forms.CharField(label=gettext_lazy("Task"), max_length=MAX_TITLE)
    assignee = forms.ModelChoiceField(
        label=gettext_lazy("For"), queryset=User.objects.none(), empty_label=None
    )
    due_on = forms.DateField(
        label=gettext_lazy("Due date"),
        required=False,
        widget=IsoDateInput(),
        error_messages=DATE_ERRORS,
    )
    description = forms.CharField(
        label=gettext_lazy("Details"),
        max_length=MAX_NOTE,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    field_order = ["title", "assignee", "due_on", "description", "item"]

    def __init__(self, *args: Any, staff: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared above
        field.queryset = User.objects.filter(pk__in=[u.pk for u in staff]).order_by("username")
        field.label_from_instance = lambda u: f"{u.username} · {u.get_role_display()}"
