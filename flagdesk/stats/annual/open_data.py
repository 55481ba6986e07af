"""Open data: the anonymised aggregates of final annual reports, public without login, with a
data dictionary (docs/open-data.md).

Only final years are published: a draft changes, and a published figure must not. The JSON is
the frozen report itself (it passed the no-personal-data check when it was finalised) and the
CSV its provider x type x action table; both carry the report's SHA-256.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from ..models import AnnualReport
from . import render

VERSION = 1


def final_years() -> list[AnnualReport]:
    return list(AnnualReport.objects.only("year", "sha256", "finalised_at").order_by("-year"))


def published(year: int) -> AnnualReport | None:
    return AnnualReport.objects.filter(year=year).first()


def _col(
    name: str, type_: str, meaning: Any, unit: str = "", suppression: Any = ""
) -> dict[str, Any]:
    return {
        "name": name,
        "type": type_,
        "meaning": meaning,
        "unit": unit,
        "suppression": suppression,
    }


def dictionary() -> dict[str, Any]:
    """Every CSV column and JSON key: name, type, meaning, unit, suppression marker."""
    withheld = _("empty cell, with suppressed = true")
    withheld_json = _('null, and the key named in the entry\'s "suppressed" list')
    return {
        "version": VERSION,
        "csv": [
            _col("year", "integer", _("The calendar year of the report."), _("year")),
            _col("status", "text", _('Always "final": only final reports are published.')),
            _col(
                "provider",
                "text",
                _(
                    'The hosting provider, or "Other providers" (natural persons and providers '
                    "with few notices)."
                ),
            ),
            _col(
                "type",
                "code",
                _(
                    "The type of allegedly illegal content: the phenomenon code of the item's "
                    "latest legal assessment (taxonomy of the designation)."
                ),
            ),
            _col(
                "tdb_category",
                "code",
                _("The category of the DSA Transparency Database (STATEMENT_CATEGORY_...)."),
            ),
            _col(
                "action",
                "code",
                _(
                    "The action taken by the provider: removed, disabled, restricted, refused, "
                    "no_action or pending (no answer yet)."
                ),
            ),
            _col(
                "items",
                "integer",
                _("Notified items of this provider, type and action."),
                _("items"),
                withheld,
            ),
            _col(
                "suppressed",
                "boolean",
                _("true when the count is withheld to protect small numbers."),
            ),
        ],
        "json": [
            _col("year", "integer", _("The calendar year of the report."), _("year")),
            _col("status", "text", _('"final" for a frozen report.')),
            _col(
                "sha256",
                "text",
                _(
                    "SHA-256 of the canonical JSON (sorted keys, UTF-8, no spaces) without this "
                    "key."
                ),
            ),
            _col("period.from, period.to", "date", _("The first and last day of the year.")),
            _col(
                "totals.notices",
                "integer",
                _("Art. 16 notices sent during the year, each counted once (exact)."),
                _("notices"),
            ),
            _col(
                "totals.items",
                "integer",
                _("Notified items (a notice x item pair) of those notices (exact)."),
                _("items"),
            ),
            _col(
                "totals.actions.<action>",
                "integer",
                _("Notified items per action taken (exact)."),
                _("items"),
            ),
            _col(
                "totals.trusted_flagger",
                "object",
                _("Notices and items submitted as a trusted flagger, within the designation."),
                _("notices, items"),
            ),
            _col(
                "totals.follow_ups.<kind>",
                "integer",
                _(
                    "Reminders, re-notices and complaints sent during the year, not counted as "
                    "notices."
                ),
                _("notices"),
            ),
            _col(
                "by_provider[].notices, .items, .actions.<action>",
                "integer",
                _("The same counts per provider."),
                _("notices, items"),
                withheld_json,
            ),
            _col(
                "by_provider[].by_type[]",
                "object",
                _("Per provider and type: notices, items and items per action."),
                _("notices, items"),
                withheld_json,
            ),
            _col(
                "by_type[], by_tdb_category[]",
                "object",
                _(
                    "Per type and per TDB category over all providers; a notice with items of "
                    "several types counts under each."
                ),
                _("notices, items"),
                withheld_json,
            ),
            _col(
                "response_times.<acknowledgement|decision>",
                "object",
                _(
                    "Hours from sending to the acknowledgement of receipt (per notice) and to the "
                    "decision (per item): count, median, 90th percentile (nearest rank)."
                ),
                _("hours"),
                withheld_json,
            ),
            _col(
                "median_hours_to_action",
                "object",
                _("The median hours to the decision, overall and per provider."),
                _("hours"),
                withheld_json,
            ),
            _col(
                "organisation.designations[]",
                "object",
                _(
                    "The designations in force during the year: authority, dates, phenomena, "
                    "their versions and suspensions."
                ),
            ),
            _col(
                "independence_procedures",
                "text",
                _("The procedures ensuring the organisation's independence (art. 22(3))."),
            ),
            _col(
                "suppression",
                "object",
                _("The threshold below which counts are withheld, and how many were."),
            ),
        ],
    }


def open_data_json(report: AnnualReport) -> dict[str, Any]:
    return report.data


def open_data_csv(report: AnnualReport) -> bytes:
    return render.to_csv(report.data)
