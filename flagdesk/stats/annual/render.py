"""The report's four formats, all drawn from its JSON (a draft's, or a final year's frozen copy):
JSON, CSV (one row per provider x type x action), a self-contained HTML page and its PDF.

Drawing every format from the same JSON is what keeps them consistent, and what keeps a final
report unchanged: nothing here reads the database except labels.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from flagdesk.core import taxonomy
from flagdesk.core.spreadsheets import neutralise

from ..actions import ACTIONS
from ..charts import bar_chart

FORMATS = ("json", "csv", "html", "pdf")
CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}
CSV_COLUMNS = (
    "year",
    "status",
    "provider",
    "type",
    "tdb_category",
    "action",
    "items",
    "suppressed",
)
CSS = Path(__file__).resolve().parent.parent / "static" / "stats" / "annual.css"


def canonical(data: dict[str, Any]) -> bytes:
    """The bytes the hash is computed on: sorted keys, UTF-8, no spaces, without ``sha256``."""
    body = {k: v for k, v in data.items() if k != "sha256"}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def sha256_of(data: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(data)).hexdigest()


def to_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode()


def csv_rows(data: dict[str, Any]) -> list[list[str]]:
    """The header and one row per provider x type x action; a withheld count is empty, with
    ``suppressed`` set to ``true``."""
    rows = [list(CSV_COLUMNS)]
    for p in data["by_provider"]:
        for t in p["by_type"]:
            for a in ACTIONS:
                value = t["actions"].get(a)
                rows.append(
                    [
                        str(data["year"]),
                        data["status"],
                        p["provider"],
                        t["type"],
                        t["tdb_category"],
                        a,
                        "" if value is None else str(value),
                        "true" if f"actions.{a}" in t["suppressed"] else "false",
                    ]
                )
    return rows


def to_csv(data: dict[str, Any]) -> bytes:
    """UTF-8 with a byte-order mark (so spreadsheets guess the encoding right), every cell
    neutralised against formula injection (a provider's name is typed by staff)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in csv_rows(data):
        writer.writerow([neutralise(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode()


# --- HTML and PDF -----------------------------------------------------------------------------


def _type_label(code: str, language: str) -> str:
    p = taxonomy.phenomena().get(code)
    return p.label(language) if p else code


def action_labels() -> dict[str, str]:
    return {
        "removed": _("Removed"),
        "disabled": _("Access disabled"),
        "restricted": _("Restricted"),
        "refused": _("Refused"),
        "no_action": _("No action"),
        "pending": _("No answer yet"),
    }


def follow_up_labels() -> dict[str, str]:
    return {
        "reminder": _("Reminders"),
        "renotice": _("Re-notices"),
        "complaint": _("Complaints to the provider (art. 20)"),
        "dsc_complaint": _("Complaints to the Digital Services Coordinator (art. 53)"),
    }


def _cells(entry: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"value": entry["actions"].get(a), "hidden": f"actions.{a}" in entry["suppressed"]}
        for a in ACTIONS
    ]


def _num(entry: dict[str, Any], key: str) -> dict[str, Any]:
    return {"value": entry.get(key), "hidden": key in entry.get("suppressed", [])}


def _provider_name(p: dict[str, Any]) -> str:
    return _("Other providers") if p.get("other") else p["provider"]


def _chart(title: str, svg: str) -> dict[str, str]:
    """A chart as inline SVG (the file and the PDF) and as an ``<img>`` data URI (the staff
    page: its Content-Security-Policy forbids the style attributes of inline SVG, while an
    image is a document of its own)."""
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    return {"title": title, "svg": svg, "uri": uri}


def _charts(data: dict[str, Any]) -> list[dict[str, str]]:
    providers = list(data["by_provider"])
    names = [_provider_name(p) for p in providers]
    labels = action_labels()
    charts = []
    if providers:
        title = _("Notices by provider")
        charts.append(
            _chart(
                title,
                bar_chart(
                    title,
                    names,
                    [(_("Notices"), [p["notices"] or 0 for p in providers])],
                    value_label=_("Notices"),
                    horizontal=True,
                    description=_("The same figures are in the table “Notices by provider”."),
                ),
            )
        )
    totals = data["totals"]["actions"]
    title = _("Notified items by action taken")
    charts.append(
        _chart(
            title,
            bar_chart(
                title,
                [labels[a] for a in ACTIONS],
                [(_("Items"), [totals.get(a, 0) for a in ACTIONS])],
                value_label=_("Items"),
                horizontal=True,
                description=_("The same figures are in the table “Totals”."),
            ),
        )
    )
    return charts


def document_context(data: dict[str, Any], language: str) -> dict[str, Any]:
    """What the HTML page (and the PDF) shows, with labels in ``language``."""
    labels = action_labels()
    threshold = data["suppression"]["threshold"]
    return {
        "data": data,
        "language": language,
        "is_final": data["status"] == "final",
        "actions": [labels[a] for a in ACTIONS],
        "totals_actions": [
            {"label": labels[a], "value": data["totals"]["actions"].get(a, 0)} for a in ACTIONS
        ],
        "follow_ups": [
            {"label": label, "value": data["totals"]["follow_ups"].get(k, 0)}
            for k, label in follow_up_labels().items()
        ],
        "providers": [
            {
                "name": _provider_name(p),
                "other": p.get("other"),
                "notices": _num(p, "notices"),
                "items": _num(p, "items"),
                "cells": _cells(p),
                "tf_notices": _num(p["trusted_flagger"], "notices"),
                "tf_items": _num(p["trusted_flagger"], "items"),
                "types": [
                    {
                        "label": _type_label(t["type"], language),
                        "category": taxonomy.label(t["tdb_category"]),
                        "notices": _num(t, "notices"),
                        "items": _num(t, "items"),
                        "cells": _cells(t),
                    }
                    for t in p["by_type"]
                ],
            }
            for p in data["by_provider"]
        ],
        "types": [
            {
                "label": _type_label(t["type"], language),
                "category": taxonomy.label(t["tdb_category"]),
                "notices": _num(t, "notices"),
                "items": _num(t, "items"),
                "cells": _cells(t),
            }
            for t in data["by_type"]
        ],
        "categories": [
            {
                "label": taxonomy.label(c["tdb_category"]),
                "notices": _num(c, "notices"),
                "items": _num(c, "items"),
                "cells": _cells(c),
            }
            for c in data["by_tdb_category"]
        ],
        "times": [
            {
                "label": label,
                "overall": data["response_times"][key]["overall"],
                "providers": [
                    {
                        "name": _provider_name(p),
                        "t": data["response_times"][key]["by_provider"].get(p["provider"], {}),
                    }
                    for p in data["by_provider"]
                ],
            }
            for key, label in (
                ("acknowledgement", _("From sending to acknowledgement of receipt")),
                ("decision", _("From sending to the provider's decision")),
            )
        ],
        "designations": [
            {
                **d,
                "versions": [
                    {**v, "labels": [_type_label(c, language) for c in v["phenomena"]]}
                    for v in d["versions"]
                ],
            }
            for d in data["organisation"]["designations"]
        ],
        "threshold": threshold,
        "charts": _charts(data),
    }


def to_html(data: dict[str, Any], language: str = "en", *, standalone: bool = True) -> str:
    """The report as a page: standalone (its own styles, for the file and the PDF) or as the
    body of the staff page (styles from the static file)."""
    with translation.override(language):
        context = document_context(data, language)
        context["css"] = CSS.read_text() if standalone else ""
        context["inline_charts"] = standalone
        template = "stats/annual/document.html" if standalone else "stats/annual/_body.html"
        return render_to_string(template, context)


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The PDF loads nothing: the page carries its own styles and its charts inline."""
    raise ValueError("Documents load nothing from outside.")


def to_pdf(data: dict[str, Any], language: str = "en") -> bytes:
    from weasyprint import HTML  # a heavy import, needed only when a PDF is drawn

    html = to_html(data, language, standalone=True)
    pdf: bytes = HTML(string=html, url_fetcher=_no_fetch).write_pdf()
    return pdf


def render(data: dict[str, Any], fmt: str, language: str = "en") -> bytes:
    """``data`` in ``fmt`` (one of FORMATS)."""
    if fmt == "json":
        return to_json(data)
    if fmt == "csv":
        return to_csv(data)
    if fmt == "html":
        return to_html(data, language).encode()
    if fmt == "pdf":
        return to_pdf(data, language)
    raise ValueError(fmt)


def filename(data: dict[str, Any], fmt: str) -> str:
    suffix = "" if data["status"] == "final" else "-draft"
    return f"annual-report-{data['year']}{suffix}.{fmt}"
