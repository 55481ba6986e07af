# ruff: noqa: S608 - the SQL below joins only our own temporary table names; values are parameters
"""The figures of the art. 22(3) DSA annual report, computed in the database.

What is counted (docs/statistics.md, "Annual report"):

- the **notices** are art. 16 notices (``Notice.kind == notice``) sent during the calendar year
  (local time); reminders, re-notices and complaints are follow-ups of a notice and are counted
  apart, under ``follow_ups``, never as new notices;
- a **notified item** is one item of such a notice (a notice-item pair);
- the **type** of an item is the phenomenon of its latest assessment (else the phenomenon it was
  reported under) and its **TDB category** (the assessment's, else the phenomenon's own); a notice
  whose items have several types counts once under each type, so per-type notice counts add up
  to more than the total, which counts each notice once; item counts always add up;
- the **action** of a notified item is its current decision (``stats.actions``: corrections
  replace what they correct) known at the report's cut-off, else ``pending``;
- a provider that is a natural person is never named: it is counted under "Other providers".

Every figure comes from a bounded number of ``GROUP BY`` queries (about fifteen, whatever the
number of notices): the report over a million items must be drawn in seconds. Medians and 90th
percentiles are picked by window functions in the database, not by sorting rows in Python.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Count,
    F,
    Q,
    QuerySet,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils import timezone

from flagdesk.cases.models import Assessment
from flagdesk.core import taxonomy
from flagdesk.notices.models import Notice
from flagdesk.organisation.models import Designation, DesignationVersion, Organisation
from flagdesk.platforms.models import Platform

from ..actions import ACTIONS, action_of, current_decisions

OTHER = "other"  # the key of "Other providers" (natural persons and small providers)
FOLLOW_UP_KINDS = (
    Notice.Kind.REMINDER,
    Notice.Kind.RENOTICE,
    Notice.Kind.COMPLAINT,
    Notice.Kind.DSC_COMPLAINT,
)
UNKNOWN_TYPE = "unspecified"  # an item notified without any phenomenon (should not happen)
UNKNOWN_CATEGORY = "unspecified"


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """1 January 00:00 of ``year`` and of the next year, in local time."""
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    end = timezone.make_aware(dt.datetime(year + 1, 1, 1))
    return start, end


def sent_notices(year: int, kinds: Iterable[str] = (Notice.Kind.NOTICE,)) -> QuerySet[Notice]:
    start, end = year_bounds(year)
    return Notice.objects.filter(kind__in=list(kinds), sent_at__gte=start, sent_at__lt=end)


# --- medians and percentiles in the database ------------------------------------------------


def _hours_sql(start: str, end: str) -> str:
    """SQL for the hours between two timestamp columns, on SQLite and PostgreSQL."""
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM ({end} - {start})) / 3600.0"
    return f"(julianday({end}) - julianday({start})) * 24.0"


def _uuid(value: Any) -> uuid.UUID:
    # A raw cursor gives SQLite's UUIDs back as hex text, PostgreSQL's as UUIDs.
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _db_uuid(value: uuid.UUID) -> Any:
    return Platform._meta.pk.get_db_prep_value(value, connection)  # type: ignore[union-attr]


def percentiles(
    source: str,
    params: Sequence[Any],
    *,
    group: str | None,
    group_params: Sequence[Any] = (),
    start: str,
    end: str,
) -> dict[Any, dict[str, Any]]:
    """``{group value: {"count", "median", "p90"}}`` of the hours from ``start`` to ``end``
    over the rows of ``source`` (a table name or a parenthesised query), per ``group`` (an SQL
    expression; one group, ``None``, when it is None).

    The same definitions as notices/sla.timing: the median is the middle value, or the mean of
    the two middle values; the 90th percentile is the nearest rank (the ``ceil(0.9 n)``-th
    value). Window functions number each group's values in order; only the (at most three)
    rows at those ranks leave the database. An answer recorded before the send counts as
    immediate (clamping to zero keeps the order, so it is done on the picked rows).
    """
    g = group or "NULL"
    hours = _hours_sql(start, end)
    sql = (
        "SELECT g, h, rn, n FROM ("
        " SELECT g, h, ROW_NUMBER() OVER (PARTITION BY g ORDER BY h) AS rn,"
        " COUNT(*) OVER (PARTITION BY g) AS n FROM ("
        f"  SELECT {g} AS g, {hours} AS h FROM {source} src WHERE {end} IS NOT NULL"
        " ) a) t WHERE rn = (n + 1) / 2 OR rn = (n + 2) / 2 OR rn = (9 * n + 9) / 10"
    )
    picked: dict[Any, dict[int, float]] = defaultdict(dict)
    counts: dict[Any, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*group_params, *params])
        for key, h, rn, n in cursor.fetchall():
            picked[key][int(rn)] = max(float(h), 0.0)
            counts[key] = int(n)
    result = {}
    for key, n in counts.items():
        ranks = picked[key]
        median = (ranks[(n + 1) // 2] + ranks[(n + 2) // 2]) / 2
        result[key] = {
            "count": n,
            "median": round(median, 2),
            "p90": round(ranks[(9 * n + 9) // 10], 2),
        }
    return result


# --- the raw figures ------------------------------------------------------------------------


def _pieces(year: int, cutoff: dt.datetime) -> tuple[str, list[Any]]:
    """The SQL of the year's notified items with provider, type, category, action and times.

    Three scans joined once: the notice-item pairs of the year's art. 16 notices; each item's
    latest assessment (ranked by a window function, not looked up row by row); and each pair's
    current decision known at ``cutoff`` (``stats.actions``: not corrected, mapped by
    ``action_of``), ranked the same way.
    """
    start, end = year_bounds(year)
    in_year = {
        "notice__kind": Notice.Kind.NOTICE,
        "notice__sent_at__gte": start,
        "notice__sent_at__lt": end,
    }
    through = Notice.items.through
    pairs = through.objects.filter(**in_year).values(
        "notice_id",
        "item_id",
        provider=F("notice__platform_id"),
        reported=F("item__phenomenon"),
        sent_at=F("notice__sent_at"),
        tf=F("notice__is_trusted_flagger"),
    )
    assessments = (
        Assessment.objects.filter(item_id__in=through.objects.filter(**in_year).values("item_id"))
        .annotate(
            rn=Window(
                RowNumber(),
                partition_by=[F("item_id")],
                order_by=[F("created_at").desc(), F("pk").desc()],
            )
        )
        .values("item_id", "phenomenon", "tdb_category", "rn")
    )
    decisions = (
        current_decisions()
        .filter(decided_at__lte=cutoff, **in_year)
        .annotate(
            action=action_of("decision"),
            rn=Window(
                RowNumber(),
                partition_by=[F("notice_id"), F("item_id")],
                order_by=[F("decided_at").desc(), F("created_at").desc()],
            ),
        )
        .values("notice_id", "item_id", "action", "decided_at", "rn")
    )
    p_sql, p_params = pairs.query.sql_with_params()
    a_sql, a_params = assessments.query.sql_with_params()
    d_sql, d_params = decisions.query.sql_with_params()
    categories = [
        (code, ph.tdb_category) for code, ph in taxonomy.phenomena().items() if ph.tdb_category
    ]
    whens = " ".join("WHEN %s THEN %s" for _ in categories)
    inner = (
        "SELECT p.notice_id AS notice_id, p.provider AS provider,"
        " COALESCE(NULLIF(a.phenomenon, ''), NULLIF(p.reported, ''), %s) AS ptype,"
        " NULLIF(a.tdb_category, '') AS acat, COALESCE(d.action, %s) AS action,"
        " d.decided_at AS decided_at, p.sent_at AS sent_at, p.tf AS tf"
        f" FROM ({p_sql}) p"
        f" LEFT JOIN ({a_sql}) a ON a.item_id = p.item_id AND a.rn = 1"
        f" LEFT JOIN ({d_sql}) d ON d.notice_id = p.notice_id AND d.item_id = p.item_id"
        " AND d.rn = 1"
    )
    sql = (
        "SELECT notice_id, provider, ptype, action, decided_at, sent_at, tf,"
        f" COALESCE(acat, CASE ptype {whens} ELSE %s END) AS pcat FROM ({inner}) x"
    )
    params = [
        *[v for pair in categories for v in pair],
        UNKNOWN_CATEGORY,
        UNKNOWN_TYPE,
        "pending",
        *p_params,
        *a_params,
        *d_params,
    ]
    return sql, params


@contextmanager
def _materialised(year: int, cutoff: dt.datetime) -> Iterator[str]:
    """The year's notified items (``_pieces``) as a temporary table: each item's type and
    decision are looked up once, and every count is a plain ``GROUP BY`` over this table."""
    name = f"annual_items_{uuid.uuid4().hex[:12]}"
    sql, params = _pieces(year, cutoff)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Tables just filled (an import, a benchmark) have no statistics yet, and the
            # planner then joins the ranked subqueries row by row: minutes instead of seconds.
            # Whole-table hash joins are right for a year's worth of rows in any case.
            cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute(f"CREATE TEMPORARY TABLE {name} AS {sql}", params)
        if connection.vendor == "postgresql":
            cursor.execute("RESET enable_nestloop")
    try:
        yield name
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {name}")


def _rows(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return list(cursor.fetchall())


def raw_figures(year: int, *, cutoff: dt.datetime, min_cell: int) -> dict[str, Any]:
    """Every count of the year by platform id, before merging and suppression.

    Returns plain dicts keyed by platform id (``OTHER`` for merged providers) so that the
    suppression step and the tests can work on small structures.
    """
    with _materialised(year, cutoff) as t:
        return _figures(t, year, min_cell)


def _figures(t: str, year: int, min_cell: int) -> dict[str, Any]:
    names = dict(Platform.objects.values_list("pk", "name"))
    natural = set(Platform.objects.filter(is_natural_person=True).values_list("pk", flat=True))

    # Provider totals decide who is merged into "Other providers".
    per_provider = {
        _uuid(p): (notices, items)
        for p, notices, items in _rows(
            f"SELECT provider, COUNT(DISTINCT notice_id), COUNT(*) FROM {t} GROUP BY provider"
        )
    }
    merged = {
        p for p, (n, _i) in per_provider.items() if p in natural or (min_cell and n < min_cell)
    }

    def key(provider: Any) -> Any:
        provider = _uuid(provider)
        return OTHER if provider in merged else provider

    cells: dict[tuple[Any, str, str], int] = defaultdict(int)
    type_category: dict[str, str] = {}
    for p, ptype, pcat, action, n in _rows(
        f"SELECT provider, ptype, pcat, action, COUNT(*) FROM {t} "
        "GROUP BY provider, ptype, pcat, action"
    ):
        cells[(key(p), ptype, action)] += n
        type_category.setdefault(ptype, pcat)
    category_cells: dict[tuple[str, str], int] = defaultdict(int)
    for pcat, action, n in _rows(f"SELECT pcat, action, COUNT(*) FROM {t} GROUP BY pcat, action"):
        category_cells[(pcat, action)] += n

    provider_type_notices: dict[tuple[Any, str], int] = defaultdict(int)
    for p, ptype, n in _rows(
        f"SELECT provider, ptype, COUNT(DISTINCT notice_id) FROM {t} GROUP BY provider, ptype"
    ):
        provider_type_notices[(key(p), ptype)] += n
    provider_notices: dict[Any, int] = defaultdict(int)
    provider_items: dict[Any, int] = defaultdict(int)
    for p, (n, i) in per_provider.items():
        provider_notices[key(p)] += n
        provider_items[key(p)] += i
    type_notices = dict(_rows(f"SELECT ptype, COUNT(DISTINCT notice_id) FROM {t} GROUP BY ptype"))
    category_notices = dict(_rows(f"SELECT pcat, COUNT(DISTINCT notice_id) FROM {t} GROUP BY pcat"))
    [(total_notices, total_items)] = _rows(f"SELECT COUNT(DISTINCT notice_id), COUNT(*) FROM {t}")
    totals = {"notices": total_notices or 0, "items": total_items or 0}

    # Trusted-flagger notices (within the designation when sent: the notice's own marking).
    tf_notices: dict[Any, int] = defaultdict(int)
    tf_items: dict[Any, int] = defaultdict(int)
    for p, n, i in _rows(
        f"SELECT provider, COUNT(DISTINCT notice_id), COUNT(*) FROM {t} WHERE tf GROUP BY provider"
    ):
        tf_notices[key(p)] += n
        tf_items[key(p)] += i

    # Follow-ups: reminders, re-notices and complaints sent during the year.
    follow_ups: dict[tuple[Any, str], int] = defaultdict(int)
    for r in (
        sent_notices(year, FOLLOW_UP_KINDS).values("platform_id", "kind").annotate(n=Count("pk"))
    ):
        follow_ups[(key(r["platform_id"]), r["kind"])] += r["n"]

    # Times: sending to acknowledgement (per notice), sending to decision (per notified item).
    # Merged providers form one group (NULL).
    if merged:
        marks = ", ".join(["%s"] * len(merged))
        group = f"CASE WHEN provider IN ({marks}) THEN NULL ELSE provider END"
        group_params = [_db_uuid(p) for p in sorted(merged)]
    else:
        group, group_params = "provider", []
    decision = {"start": "sent_at", "end": "decided_at"}
    decision_times = percentiles(t, (), group=group, group_params=group_params, **decision)
    decision_overall = percentiles(t, (), group=None, **decision).get(None)
    acknowledged = (
        sent_notices(year)
        .filter(acknowledged_at__isnull=False)
        .values(provider=F("platform_id"), sent=F("sent_at"), ack=F("acknowledged_at"))
    )
    ack_sql, ack_params = acknowledged.query.sql_with_params()
    ack = {"start": "sent", "end": "ack"}
    ack_times = percentiles(
        f"({ack_sql})", ack_params, group=group, group_params=group_params, **ack
    )
    ack_overall = percentiles(f"({ack_sql})", ack_params, group=None, **ack).get(None)

    def keyed(times: dict[Any, dict[str, Any]]) -> dict[Any, dict[str, Any]]:
        return {OTHER if g is None else _uuid(g): v for g, v in times.items()}

    return {
        "names": {p: names.get(p, "") for p in provider_notices if p != OTHER},
        "merged": merged,
        "cells": dict(cells),
        "type_category": type_category,
        "category_cells": dict(category_cells),
        "provider_type_notices": dict(provider_type_notices),
        "provider_notices": dict(provider_notices),
        "provider_items": dict(provider_items),
        "type_notices": type_notices,
        "category_notices": category_notices,
        "totals": totals,
        "tf_notices": dict(tf_notices),
        "tf_items": dict(tf_items),
        "follow_ups": dict(follow_ups),
        "decision_times": keyed(decision_times),
        "decision_overall": decision_overall,
        "ack_times": keyed(ack_times),
        "ack_overall": ack_overall,
    }


# --- designations as they were during the year ----------------------------------------------


def designations_during(org: Organisation, year: int) -> list[dict[str, Any]]:
    """The designations in force at any time during ``year``: each with the states it had
    then (from its append-only versions) and the suspensions that overlapped the year.

    No free text: a suspension's note is left out (it may name people); dates, the authority
    and phenomenon codes only.
    """
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    start, end = year_bounds(year)
    result = []
    rows = (
        Designation.objects.filter(organisation=org, designated_on__lte=last)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=first))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=first))
        .prefetch_related("suspensions")
        .order_by("designated_on", "authority")
    )
    versions: dict[Any, list[DesignationVersion]] = defaultdict(list)
    for v in DesignationVersion.objects.filter(designation__in=rows).order_by(
        "designation", "number"
    ):
        versions[v.designation_id].append(v)
    for d in rows:
        # The version in force on 1 January, and every version recorded during the year.
        states: list[dict[str, Any]] = []
        before = [v for v in versions[d.pk] if v.recorded_at < start]
        during = [v for v in versions[d.pk] if start <= v.recorded_at < end]
        chosen = ([before[-1]] if before else []) + during
        for v in chosen:
            state = {
                "from": max(timezone.localtime(v.recorded_at).date(), first).isoformat(),
                "phenomena": sorted(v.state.get("phenomena", [])),
                "valid_until": v.state.get("valid_until"),
            }
            if not states or {k: states[-1][k] for k in ("phenomena", "valid_until")} != {
                k: state[k] for k in ("phenomena", "valid_until")
            }:
                states.append(state)
        if not states:
            states.append(
                {
                    "from": max(d.designated_on, first).isoformat(),
                    "phenomena": sorted(d.phenomena),
                    "valid_until": d.valid_until.isoformat() if d.valid_until else None,
                }
            )
        suspensions = [
            {
                "from": s.suspended_from.isoformat(),
                "until": s.suspended_until.isoformat() if s.suspended_until else None,
            }
            for s in d.suspensions.all()
            if not s.is_withdrawn
            and s.suspended_from <= last
            and (s.suspended_until is None or s.suspended_until >= first)
        ]
        result.append(
            {
                "authority": d.authority,
                "designated_on": d.designated_on.isoformat(),
                "valid_until": d.valid_until.isoformat() if d.valid_until else None,
                "ended_on": d.ended_on.isoformat() if d.ended_on else None,
                "phenomena": sorted({p for s in states for p in s["phenomena"]}),
                "versions": states,
                "suspensions": suspensions,
            }
        )
    return result


ACTION_KEYS = ACTIONS


# --- the document -----------------------------------------------------------------------------

SCHEMA = "flagdesk.annual-report/1"


def _type_order(codes: Iterable[str]) -> list[str]:
    known = list(taxonomy.phenomena())
    return sorted(codes, key=lambda c: (known.index(c) if c in known else len(known), c))


def _category_order(codes: Iterable[str]) -> list[str]:
    known = taxonomy.tdb_categories()
    return sorted(codes, key=lambda c: (known.index(c) if c in known else len(known), c))


def build_report(
    year: int,
    *,
    now: dt.datetime | None = None,
    organisation: Organisation | None = None,
) -> dict[str, Any]:
    """The draft report of ``year`` as JSON-ready data (api.md "Annual report JSON")."""
    from flagdesk.organisation.services.designations import current_organisation

    from .suppression import Grid

    now = now or timezone.now()
    org = organisation or current_organisation()
    threshold = int(org.statistics_min_cell or 0)
    # Answers count as known when the report is drawn: a notice sent on 31 December still
    # gets its January decision into a report finalised in February.
    cutoff = now
    raw = raw_figures(year, cutoff=cutoff, min_cell=threshold)

    cells = raw["cells"]
    providers = sorted(
        raw["provider_notices"],
        key=lambda p: (p == OTHER, -raw["provider_notices"][p], raw["names"].get(p, "")),
    )
    types = _type_order({t for (_p, t, _a) in cells})
    categories = _category_order({c for (c, _a) in raw["category_cells"]})

    g = Grid(threshold=threshold)
    # Base cells and the sums built on them.
    for p in providers:
        g.add(("pn", p), raw["provider_notices"].get(p, 0))
        g.add(("pi", p), raw["provider_items"].get(p, 0))
        for a in ACTIONS:
            g.add(("pa", p, a), sum(cells.get((p, t, a), 0) for t in types))
        for t in types:
            if not any(cells.get((p, t, a)) for a in ACTIONS):
                continue
            g.add(("ptn", p, t), raw["provider_type_notices"].get((p, t), 0))
            g.add(("pti", p, t), sum(cells.get((p, t, a), 0) for a in ACTIONS))
            for a in ACTIONS:
                g.add(("pta", p, t, a), cells.get((p, t, a), 0))
        g.add(("tfn", p), raw["tf_notices"].get(p, 0))
        g.add(("tfi", p), raw["tf_items"].get(p, 0))
        for kind in FOLLOW_UP_KINDS:
            g.add(("fu", p, kind), raw["follow_ups"].get((p, kind), 0))
    for t in types:
        g.add(("tn", t), raw["type_notices"].get(t, 0))
        g.add(("ti", t), sum(cells.get((p, t, a), 0) for p in providers for a in ACTIONS))
        for a in ACTIONS:
            g.add(("ta", t, a), sum(cells.get((p, t, a), 0) for p in providers))
    for c in categories:
        g.add(("cn", c), raw["category_notices"].get(c, 0))
        g.add(("ci", c), sum(raw["category_cells"].get((c, a), 0) for a in ACTIONS))
        for a in ACTIONS:
            g.add(("ca", c, a), raw["category_cells"].get((c, a), 0))
    totals = raw["totals"]
    g.add(("n",), totals["notices"] or 0, fixed=True)
    g.add(("i",), totals["items"] or 0, fixed=True)
    for a in ACTIONS:
        g.add(("a", a), sum(cells.get((p, t, a), 0) for p in providers for t in types), fixed=True)
    g.add(("tfn",), sum(raw["tf_notices"].values()), fixed=True)
    g.add(("tfi",), sum(raw["tf_items"].values()), fixed=True)
    for kind in FOLLOW_UP_KINDS:
        g.add(
            ("fu", kind),
            sum(v for (_p, k), v in raw["follow_ups"].items() if k == kind),
            fixed=True,
        )

    # The relations between them: every row, column and total.
    present = {k for k in g.values}
    for p in providers:
        row_types = [t for t in types if ("pti", p, t) in present]
        for t in row_types:
            g.relate(("pti", p, t), [("pta", p, t, a) for a in ACTIONS])
        for a in ACTIONS:
            g.relate(("pa", p, a), [("pta", p, t, a) for t in row_types])
        g.relate(("pi", p), [("pa", p, a) for a in ACTIONS])
        g.relate(("pi", p), [("pti", p, t) for t in row_types])
    for t in types:
        rows = [p for p in providers if ("pti", p, t) in present]
        for a in ACTIONS:
            g.relate(("ta", t, a), [("pta", p, t, a) for p in rows])
        g.relate(("ti", t), [("ta", t, a) for a in ACTIONS])
        g.relate(("ti", t), [("pti", p, t) for p in rows])
        g.relate(("tn", t), [("ptn", p, t) for p in rows])
    for c in categories:
        g.relate(("ci", c), [("ca", c, a) for a in ACTIONS])
    # A type always filed under one category makes the category the sum of its types.
    categories_of: dict[str, set[str]] = defaultdict(set)
    for t, c in raw["type_category"].items():
        categories_of[t].add(c)
    for c in categories:
        members = [t for t in types if raw["type_category"].get(t) == c]
        if members and all(len(categories_of[t]) == 1 for t in members):
            for a in ACTIONS:
                g.relate(("ca", c, a), [("ta", t, a) for t in members])
    for a in ACTIONS:
        g.relate(("a", a), [("pa", p, a) for p in providers])
        g.relate(("a", a), [("ta", t, a) for t in types])
        g.relate(("a", a), [("ca", c, a) for c in categories])
    g.relate(("n",), [("pn", p) for p in providers])
    g.relate(("i",), [("pi", p) for p in providers])
    g.relate(("i",), [("ti", t) for t in types])
    g.relate(("i",), [("ci", c) for c in categories])
    g.relate(("tfn",), [("tfn", p) for p in providers])
    g.relate(("tfi",), [("tfi", p) for p in providers])
    for kind in FOLLOW_UP_KINDS:
        g.relate(("fu", kind), [("fu", p, kind) for p in providers])
    withheld = g.solve()

    def entry(
        fields: dict[str, Hashable], actions: dict[str, Hashable] | None = None
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        hidden: list[str] = []
        for name, key in fields.items():
            out[name] = g.shown(key)
            if key in withheld:
                hidden.append(name)
        if actions is not None:
            out["actions"] = {}
            for a, key in actions.items():
                out["actions"][a] = g.shown(key)
                if key in withheld:
                    hidden.append(f"actions.{a}")
        out["suppressed"] = hidden
        return out

    def provider_label(p: Any) -> str:
        return "Other providers" if p == OTHER else raw["names"].get(p, "")

    by_provider = []
    for p in providers:
        row = {"provider": provider_label(p), "other": p == OTHER}
        row.update(
            entry(
                {"notices": ("pn", p), "items": ("pi", p)},
                {a: ("pa", p, a) for a in ACTIONS},
            )
        )
        row["trusted_flagger"] = entry({"notices": ("tfn", p), "items": ("tfi", p)})
        row["follow_ups"] = entry({str(k): ("fu", p, k) for k in FOLLOW_UP_KINDS})
        row["by_type"] = [
            {
                "type": t,
                "tdb_category": raw["type_category"].get(t, UNKNOWN_CATEGORY),
                **entry(
                    {"notices": ("ptn", p, t), "items": ("pti", p, t)},
                    {a: ("pta", p, t, a) for a in ACTIONS},
                ),
            }
            for t in types
            if ("pti", p, t) in present
        ]
        by_provider.append(row)

    def timing(value: dict[str, Any] | None) -> dict[str, Any]:
        """A median over fewer values than the threshold is withheld like a small count."""
        if not value:
            return {"count": 0, "median": None, "p90": None, "suppressed": []}
        if threshold and value["count"] < threshold:
            return {
                "count": None,
                "median": None,
                "p90": None,
                "suppressed": ["count", "median", "p90"],
            }
        return {**value, "suppressed": []}

    def times(by: dict[Any, dict[str, Any]], overall: dict[str, Any] | None) -> dict[str, Any]:
        return {
            "overall": timing(overall),
            "by_provider": {provider_label(p): timing(by.get(p)) for p in providers},
        }

    decision = times(raw["decision_times"], raw["decision_overall"])
    acknowledgement = times(raw["ack_times"], raw["ack_overall"])
    return {
        "schema": SCHEMA,
        "status": "draft",
        "year": year,
        "generated_at": now.isoformat(timespec="seconds"),
        "cut_off": cutoff.isoformat(timespec="seconds"),
        "organisation": {
            "name": org.name,
            "designations": designations_during(org, year),
        },
        "period": {
            "from": dt.date(year, 1, 1).isoformat(),
            "to": dt.date(year, 12, 31).isoformat(),
        },
        "totals": {
            "notices": totals["notices"] or 0,
            "items": totals["items"] or 0,
            "actions": {a: g.values[("a", a)] for a in ACTIONS},
            "trusted_flagger": {
                "notices": g.values[("tfn",)],
                "items": g.values[("tfi",)],
            },
            "follow_ups": {str(k): g.values[("fu", k)] for k in FOLLOW_UP_KINDS},
        },
        "by_provider": by_provider,
        "by_type": [
            {
                "type": t,
                "tdb_category": raw["type_category"].get(t, UNKNOWN_CATEGORY),
                **entry(
                    {"notices": ("tn", t), "items": ("ti", t)}, {a: ("ta", t, a) for a in ACTIONS}
                ),
            }
            for t in types
        ],
        "by_tdb_category": [
            {
                "tdb_category": c,
                **entry(
                    {"notices": ("cn", c), "items": ("ci", c)}, {a: ("ca", c, a) for a in ACTIONS}
                ),
            }
            for c in categories
        ],
        "median_hours_to_action": {
            "overall": decision["overall"]["median"],
            "by_provider": {name: t["median"] for name, t in decision["by_provider"].items()},
        },
        "response_times": {"acknowledgement": acknowledgement, "decision": decision},
        "independence_procedures": org.independence_procedures,
        "suppression": {
            "threshold": threshold,
            "suppressed_cells": len(withheld),
            "marker": None,
            "merged_providers": len(raw["merged"]),
        },
    }
