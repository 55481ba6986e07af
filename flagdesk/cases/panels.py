"""What cases offers the case page as a panel (``flagdesk.site.views.CASE_PANELS``): the facts
the published figures need. A panel rather than part of the page, so that the page's
sections stay in the one list a reader sees there."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from flagdesk.accounts.menu import may_open
from flagdesk.accounts.permissions import staff_user
from flagdesk.core.panels import Panel

from . import queries
from .facts_forms import CaseFactsForm
from .models import Case, CaseFacts, Item
from .services.case_facts import DEMANDS, FIELDS, relevant_fields


def _shown_value(facts: CaseFacts, name: str) -> str:
    value = getattr(facts, name)
    if value is None or value == "":
        return str(_("Not known"))
    if name == "meeting_sought":
        return str(_("Yes") if value else _("No"))
    display = getattr(facts, f"get_{name}_display", None)
    return str(display()) if display else str(value)


def facts_context(
    case: Case, facts: CaseFacts, *, form: CaseFactsForm | None, may_edit: bool
) -> dict[str, Any]:
    """What the panel and the facts page show: the form (for those who may record facts) or
    the values (for the other caseworkers), and the reporters' own guesses as help."""
    shown = relevant_fields(case, facts)
    if form is None and may_edit:
        form = CaseFactsForm(initial=CaseFactsForm.initial_for(facts), fields=shown)
    values = [
        (CaseFacts._meta.get_field(name).verbose_name, _shown_value(facts, name))
        for name in FIELDS
        if name in shown and name not in DEMANDS
    ]
    return {
        "case": case,
        "facts": facts,
        "form": form if may_edit else None,
        "values": values,
        "asks_demands": any(name in shown for name in DEMANDS),
        # The form's short words ("Money", "More images"), under the heading "Demanded".
        "demands": [CaseFactsForm.base_fields[n].label for n in DEMANDS if getattr(facts, n)],
        "guesses": queries.reporter_guesses(case),
        "is_recorded": facts.pk is not None and facts.updated_at is not None,
    }


def facts_panel(request: HttpRequest, case: Case, items: list[Item]) -> Panel | None:
    """The case page's "Facts for the statistics", in its side column: a form for the roles
    that record facts (``Action.CASE_FACTS``), the values for the other caseworkers."""
    user = staff_user(request)
    facts = queries.visible_case_facts(user, case.pk)
    if facts is None:
        return None
    may_edit = may_open(user, "cases:case-facts", case.pk)
    return Panel(
        "cases/_facts_panel.html",
        facts_context(case, facts, form=None, may_edit=may_edit),
        slot="side",
    )
