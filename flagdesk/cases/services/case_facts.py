"""Recording the facts the published figures need (``CaseFacts``): the victim's age, school
level and gender, what a sextortionist demanded, whether a groomer sought a meeting.

The reporter's guesses stay on their report; these are the analyst's findings. Every change
writes one ``CaseEvent`` of kind ``facts`` whose data holds each changed field's value before
and after, so the figures of any past period can be recomputed from the timeline; a save that
changes nothing writes nothing. docs/cases.md ("Facts for the statistics") explains the rules.

Plausible school levels by age (both ends included; generous on purpose, for pupils held back
or ahead and for special education, but never "primary school" at 40):

- nursery school 2-6, primary school 5-14, secondary school 11-21, higher education 16 and
  over; "not in school" at any age.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.core.errors import ValidationFailed

from ..models import Case, CaseEvent, CaseFacts

SEXTORTION = "sextortion"
GROOMING = "grooming"
MIN_AGE, MAX_AGE = 0, 120

DEMANDS = ("demand_money", "demand_images", "demand_other")
# Every field a caller may set, in the order forms, the API and the timeline list them.
FIELDS = ("victim_age", "school_level", "victim_gender", *DEMANDS, "meeting_sought")
# The questions asked only when the case has the phenomenon.
NEEDS_PHENOMENON = {**dict.fromkeys(DEMANDS, SEXTORTION), "meeting_sought": GROOMING}

# School level -> the ages (years, both included) at which it is plausible.
SCHOOL_AGES: dict[str, tuple[int, int]] = {
    CaseFacts.SchoolLevel.PRESCHOOL: (2, 6),
    CaseFacts.SchoolLevel.PRIMARY: (5, 14),
    CaseFacts.SchoolLevel.SECONDARY: (11, 21),
    CaseFacts.SchoolLevel.HIGHER: (16, MAX_AGE),
    CaseFacts.SchoolLevel.NOT_IN_SCHOOL: (MIN_AGE, MAX_AGE),
}

# The words the timeline uses for each field ("Facts recorded: age, gender").
FIELD_WORDS = {
    "victim_age": gettext_lazy("age"),
    "school_level": gettext_lazy("school level"),
    "victim_gender": gettext_lazy("gender"),
    "demand_money": gettext_lazy("money demanded"),
    "demand_images": gettext_lazy("images demanded"),
    "demand_other": gettext_lazy("something else demanded"),
    "meeting_sought": gettext_lazy("meeting sought"),
}

# Why facts were cleared without an analyst (intake's erasure passes one of retention's BY_*).
ERASED = "erased"


def case_phenomena(case: Case) -> set[str]:
    """The phenomena of the case: its items' (as assessed) and its reports' (as the reporter
    chose; reached through the reverse relation, intake comes after cases)."""
    found = set(case.items.exclude(phenomenon="").values_list("phenomenon", flat=True))
    found |= set(case.reports.exclude(phenomenon="").values_list("phenomenon", flat=True))
    return found


def relevant_fields(case: Case, facts: CaseFacts | None = None) -> list[str]:
    """The fields asked about on this case: the victim's always, the sextortion and grooming
    questions when the case has that phenomenon, or when a value is still recorded (so that
    a value recorded before an item was re-qualified can be seen and cleared)."""
    phenomena = case_phenomena(case)
    shown = []
    for name in FIELDS:
        needed = NEEDS_PHENOMENON.get(name)
        if needed is None or needed in phenomena or _is_set(getattr(facts, name, None), name):
            shown.append(name)
    return shown


def _is_set(value: Any, name: str = "") -> bool:
    """A value that says something (clearing is always allowed). For ``meeting_sought``,
    "no" (False) is an answer too; only None means "not known"."""
    if name == "meeting_sought":
        return value is not None
    return value not in (None, "", False)


def _validate(case: Case, facts: CaseFacts, given: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(given) - set(FIELDS))
    if unknown:
        raise ValidationFailed(
            _("The facts are not valid."),
            fields={name: [_("Not a fact that can be recorded.")] for name in unknown},
        )
    age = given.get("victim_age", facts.victim_age)
    if "victim_age" in given and age is not None:
        if isinstance(age, bool) or not isinstance(age, int) or not MIN_AGE <= age <= MAX_AGE:
            errors["victim_age"] = [
                _("Give the age in years, from %(low)d to %(high)d.")
                % {"low": MIN_AGE, "high": MAX_AGE}
            ]
            age = None
    level = given.get("school_level", facts.school_level) or ""
    if "school_level" in given and level and level not in CaseFacts.SchoolLevel.values:
        errors["school_level"] = [_("Choose one of the school levels offered.")]
    elif level and age is not None and ("school_level" in given or "victim_age" in given):
        low, high = SCHOOL_AGES[level]
        if not low <= age <= high:
            errors["school_level"] = [
                _(
                    "%(level)s does not fit an age of %(age)d: it is for ages %(low)d to "
                    "%(high)d. Check the age, or choose another level."
                )
                % {
                    "level": CaseFacts.SchoolLevel(level).label,
                    "age": age,
                    "low": low,
                    "high": high,
                }
                if high < MAX_AGE
                else _(
                    "%(level)s does not fit an age of %(age)d: it is for ages %(low)d and "
                    "over. Check the age, or choose another level."
                )
                % {"level": CaseFacts.SchoolLevel(level).label, "age": age, "low": low}
            ]
    gender = given.get("victim_gender") or ""
    if gender and gender not in CaseFacts.Gender.values:
        errors["victim_gender"] = [_("Choose one of the genders offered.")]
    phenomena = case_phenomena(case)
    for name, needed in NEEDS_PHENOMENON.items():
        if name not in given or not _is_set(given[name], name) or needed in phenomena:
            continue
        errors[name] = [
            _("Only for sextortion: no item or report of this case is about sextortion.")
            if needed == SEXTORTION
            else _("Only for grooming: no item or report of this case is about grooming.")
        ]
    for name in (*DEMANDS, "meeting_sought"):
        value = given.get(name)
        if name in given and value is not None and not isinstance(value, bool):
            errors[name] = [_("Answer yes or no.")]
        elif name in DEMANDS and name in given and value is None:
            errors[name] = [_("Answer yes or no.")]
    if errors:
        raise ValidationFailed(_("The facts are not valid."), fields=errors)


def _normalised(given: dict[str, Any]) -> dict[str, Any]:
    """Empty text for the text fields that were cleared (a None from a form or the API)."""
    out = dict(given)
    for name in ("school_level", "victim_gender"):
        if name in out and out[name] is None:
            out[name] = ""
    return out


@transaction.atomic
def record_facts(case: Case, *, actor: User, **fields: Any) -> CaseFacts:
    """Set the facts given in ``fields`` (the others stay as they are; None or "" clears).

    Raises ``ValidationFailed`` naming each field that is wrong, and writes nothing then.
    Writes one ``facts`` event listing each changed field with its value before and after
    (``data["changes"]``), and nothing when no value changes. The caller has found ``case``
    in the actor's scope (``queries.visible_case``).
    """
    require_role(actor, *roles_for(Action.CASE_FACTS))
    facts = CaseFacts.objects.select_for_update().filter(case=case).first() or CaseFacts(case=case)
    given = _normalised(fields)
    _validate(case, facts, given)
    changes = {
        name: {"before": getattr(facts, name), "after": value}
        for name, value in given.items()
        if getattr(facts, name) != value
    }
    if not changes:
        return facts
    for name, change in changes.items():
        setattr(facts, name, change["after"])
    facts.recorded_by = actor
    facts.save()
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.FACTS,
        actor=actor,
        data={"changes": {name: changes[name] for name in FIELDS if name in changes}},
    )
    return facts


def clear_facts_after_erasure(case: Case, *, by: str, actor: User | None = None) -> bool:
    """Clear every fact of ``case`` because a person's data was erased (intake's erasure,
    docs/retention.md). The event names the fields cleared and why, never their values.
    Returns whether anything was recorded. The caller holds the transaction and has checked
    the legal hold."""
    facts = CaseFacts.objects.select_for_update().filter(case=case).first()
    if facts is None:
        return False
    cleared = [name for name in FIELDS if _is_set(getattr(facts, name), name)]
    if not cleared:
        return False
    blank = CaseFacts(case=case)
    for name in FIELDS:
        setattr(facts, name, getattr(blank, name))
    facts.recorded_by = actor
    facts.save()
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.FACTS,
        actor=actor,
        after=ERASED,
        data={"erased": True, "by": by, "fields": cleared},
    )
    return True


def facts_event_detail(event: CaseEvent) -> str:
    """What the timeline says after "Facts recorded": the fields, in words, never values."""
    data = event.data or {}
    if data.get("erased"):
        names = [str(FIELD_WORDS[n]) for n in FIELDS if n in data.get("fields", [])]
        return _("cleared after an erasure of personal data: %(fields)s") % {
            "fields": ", ".join(names)
        }
    changed = data.get("changes", {})
    return ", ".join(str(FIELD_WORDS[n]) for n in FIELDS if n in changed)
