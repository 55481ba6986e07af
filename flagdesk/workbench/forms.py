"""Forms of the workbench: the queue's filters and the bulk actions."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from flagdesk.cases.models import Item
from flagdesk.core import taxonomy

from .queries import WORK_STATUSES, QueueFilters


class _Form(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class WorkbenchFilterForm(_Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    platform = forms.ChoiceField(label=gettext_lazy("Platform"), required=False)
    phenomenon = forms.ChoiceField(label=gettext_lazy("Phenomenon"), required=False)
    who = forms.ChoiceField(label=gettext_lazy("Assigned"), required=False)
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)
    minors = forms.BooleanField(label=gettext_lazy("Minors involved only"), required=False)

    def __init__(self, *args: Any, platforms: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(Item.Status.choices)
        self.fields["status"].choices = [
            ("", _("Every open status")),
            *((s, labels[s]) for s in WORK_STATUSES),
        ]
        self.fields["platform"].choices = [("", _("All platforms")), *platforms]
        self.fields["phenomenon"].choices = [
            ("", _("All phenomena")),
            *taxonomy.phenomenon_choices(),
        ]
        self.fields["who"].choices = [
            ("", _("Anyone")),
            ("mine", _("Mine")),
            ("unassigned", _("Unassigned")),
        ]

    def filters(self) -> QueueFilters:
        """Invalid input means no filter: a stale link still shows the queue."""
        data = self.cleaned_data if self.is_valid() else {}
        return QueueFilters(
            status=data.get("status", ""),
            platform=data.get("platform", ""),
            phenomenon=data.get("phenomenon", ""),
            who=data.get("who", ""),
            overdue=bool(data.get("overdue")),
            minors=bool(data.get("minors")),
        )


class BulkForm(_Form):
    """The ticked items and what to do with them."""

    ACTIONS = ("claim", "release", "assign", "assess", "notify")

    item_ids = forms.Field(required=False, widget=forms.MultipleHiddenInput)
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    assignee = forms.ChoiceField(label=gettext_lazy("Colleague"), required=False)

    def __init__(self, *args: Any, colleagues: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "—"), *colleagues]

    def clean_item_ids(self) -> list[str]:
        ids = []
        for raw in self.cleaned_data.get("item_ids") or []:
            try:
                ids.append(str(uuid.UUID(str(raw))))
            except ValueError:
                raise forms.ValidationError(_("An item id is not valid.")) from None
        if not ids:
            raise forms.ValidationError(_("Tick at least one item first."))
        return list(dict.fromkeys(ids))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("action") == "assign" and not data.get("assignee"):
            self.add_error("assignee", _("Choose the colleague to assign the items to."))
        return data
