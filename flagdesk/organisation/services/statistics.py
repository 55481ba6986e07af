"""The statistics settings of the organisation (docs/organisation.md, "Statistics settings"):
the ages at which the published age bands start, and the smallest count a published figure
may show. Saved by a coordinator (``Action.STATISTICS_SETTINGS``), audited."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.audit.services import record
from flagdesk.core.errors import ValidationFailed

from ..age_bands import check_starts
from ..models import Organisation
from .designations import current_organisation

MIN_CELL_LOW, MIN_CELL_HIGH = 1, 100


def check_statistics(age_bands: Sequence[object], min_cell: object) -> dict[str, list[str]]:
    """Each wrong field with what is wrong, in words (empty: all is well)."""
    errors: dict[str, list[str]] = {}
    if problems := check_starts(age_bands):
        errors["age_bands"] = problems
    if (
        not isinstance(min_cell, int)
        or isinstance(min_cell, bool)
        or not MIN_CELL_LOW <= min_cell <= MIN_CELL_HIGH
    ):
        errors["min_cell"] = [
            _("Give a whole number from %(low)d to %(high)d.")
            % {"low": MIN_CELL_LOW, "high": MIN_CELL_HIGH}
        ]
    return errors


@transaction.atomic
def update_statistics_settings(
    *, actor: User, age_bands: Sequence[int], min_cell: int, prefix: str = ""
) -> Organisation:
    """Save the age bands' starts and the smallest published count.

    Raises ``ValidationFailed`` naming ``age_bands`` and ``min_cell`` (after ``prefix``, e.g.
    ``statistics.`` for the organisation API). The values unchanged, nothing is written and
    any organisation editor may send them (a client sends back what it read); a change needs
    ``Action.STATISTICS_SETTINGS`` and writes the audit entry ``organisation.statistics`` with
    the values before and after.
    """
    errors = check_statistics(age_bands, min_cell)
    if errors:
        raise ValidationFailed(
            _("The statistics settings are not valid."),
            fields={f"{prefix}{name}": msgs for name, msgs in errors.items()},
        )
    org = current_organisation()
    before = {"age_bands": list(org.statistics_age_bands), "min_cell": org.statistics_min_cell}
    after = {"age_bands": list(age_bands), "min_cell": min_cell}
    if before == after:
        return org
    require_role(actor, *roles_for(Action.STATISTICS_SETTINGS))
    org.statistics_age_bands, org.statistics_min_cell = after["age_bands"], min_cell
    org.save(update_fields=["statistics_age_bands", "statistics_min_cell", "updated_at"])
    record(
        "organisation.statistics",
        actor=actor,
        target="organisation",
        data={"before": before, "after": after},
    )
    return org
