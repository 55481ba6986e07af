"""The dashboard as JSON-ready data (``GET /api/v1/stats/dashboard``, docs/api.md): every
figure with its code and its translated label; shares are fractions (0.25 = 25 %), ``null``
when there is nothing to divide by; hours are floats."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any
from uuid import UUID

from flagdesk.intake.labels import staff_role_label
from flagdesk.intake.models import Report
from flagdesk.notices.sla import Timing

from .. import labels
from .dashboard import Dashboard
from .notices import PlatformNotices
from .victims import GENDERS


def _timing(t: Timing) -> dict[str, Any]:
    return {"count": t.count, "median_hours": t.median, "p90_hours": t.p90}


def _platform(d: Dashboard, pk: Hashable) -> dict[str, Any]:
    return {"platform_id": str(pk), "platform": d.platforms.get(pk, "")}  # type: ignore[call-overload]


def _notices(d: Dashboard, rows: dict[UUID, PlatformNotices]) -> list[dict[str, Any]]:
    return [
        {
            **_platform(d, pk),
            "notices_sent": n.sent,
            "acknowledged": n.acknowledged,
            "acknowledged_share": n.acknowledged_share,
            "decided": n.decided,
            "decided_share": n.decided_share,
            "reviewed_within_24h": n.reviewed_in_24h,
            "reviewed_within_24h_share": n.reviewed_in_24h_share,
            "answered": n.answered,
            "answered_share": n.answered_share,
            "items": n.items,
            "items_removed": n.removed,
            "removal_rate": n.removal_rate,
            "actions": dict(n.actions),
        }
        for pk, n in ((pk, rows[pk]) for pk in d.platform_order(rows))
    ]


def _phenomenon(code: str) -> dict[str, str]:
    return {"phenomenon": code, "phenomenon_label": labels.phenomenon(code)}


def dashboard_data(d: Dashboard) -> dict[str, Any]:
    f, v, vol = d.filters, d.victims, d.volumes
    earlier = f.year_earlier()
    t = d.timings
    return {
        "filters": {
            "from": f.date_from.isoformat(),
            "to": f.date_to.isoformat(),
            "phenomenon": f.phenomenon,
            "platform": str(f.platform) if f.platform else None,
        },
        "year_earlier": {"from": earlier.date_from.isoformat(), "to": earlier.date_to.isoformat()},
        "volumes": {
            "reports": vol.reports,
            "items": vol.items,
            "reports_year_earlier": vol.reports_year_earlier,
            "items_year_earlier": vol.items_year_earlier,
            "reports_change": vol.reports_change,
            "items_change": vol.items_change,
            "months": [
                {"month": m.month.strftime("%Y-%m"), "reports": m.reports, "items": m.items}
                for m in vol.months
            ],
            "years": [{"year": y.year, "reports": y.reports, "items": y.items} for y in vol.years],
            "phenomena": [
                {
                    **_phenomenon(p.phenomenon),
                    "reports": p.reports,
                    "items": p.items,
                    "reports_year_earlier": p.reports_year_earlier,
                    "items_year_earlier": p.items_year_earlier,
                    "reports_change": p.reports_change,
                    "items_change": p.items_change,
                }
                for p in vol.phenomena
            ],
        },
        "channels": [
            {
                "channel": channel,
                "channel_label": str(Report.Channel(channel).label)
                if channel in Report.Channel.values
                else channel,
                "role": role,
                "role_label": staff_role_label(role),
                "reports": n,
            }
            for (channel, role), n in sorted(d.channels.items())
        ],
        "victims": {
            "victims": v.count,
            "age_bands": [
                {"band": b.code, "label": b.label, "from": b.low, "to": b.high} for b in v.bands
            ],
            "by_age_and_gender": [
                {
                    "band": band,
                    "band_label": labels.band(band, v.bands),
                    "gender": gender,
                    "gender_label": labels.gender(gender),
                    "victims": n,
                }
                for band, per_gender in sorted(v.total.items())
                for gender, n in sorted(per_gender.items())
            ],
            "by_phenomenon": [
                {
                    **_phenomenon(code),
                    "band": band,
                    "gender": gender,
                    "victims": n,
                }
                for code, per_band in sorted(v.by_phenomenon.items())
                for band, per_gender in sorted(per_band.items())
                for gender, n in sorted(per_gender.items())
            ],
            "under": [
                {"age": s.age, "victims": s.count, "of_known": s.known, "share": s.share}
                for s in v.under
            ],
            "school_levels_of_minors": [
                {"school_level": code, "label": labels.school_level(code), "victims": n}
                for code, n in sorted(v.school_levels.items())
            ],
            "sextortion_demands": [
                {
                    "gender": x.gender,
                    "gender_label": labels.gender(x.gender),
                    "victims": x.victims,
                    "money": x.money,
                    "images": x.images,
                    "other": x.other,
                }
                for x in v.demands
            ],
            "grooming_meetings": {
                "victims": v.meetings.victims,
                "sought": v.meetings.sought,
                "not_sought": v.meetings.not_sought,
                "unknown": v.meetings.unknown,
            },
            "genders": list(GENDERS),
        },
        "notices": _notices(d, d.notices),
        "timing": {
            "by_platform": [
                {
                    **_platform(d, pk),
                    "to_acknowledgement": _timing(t.acknowledgement_by_platform.get(pk, Timing())),
                    "to_decision": _timing(t.decision_by_platform.get(pk, Timing())),
                }
                for pk in d.platform_order(
                    {**t.acknowledgement_by_platform, **t.decision_by_platform}
                )
            ],
            "by_phenomenon": [
                {
                    **_phenomenon(str(code)),
                    "to_acknowledgement": _timing(
                        t.acknowledgement_by_phenomenon.get(code, Timing())
                    ),
                    "to_decision": _timing(t.decision_by_phenomenon.get(code, Timing())),
                }
                for code in sorted(
                    {*t.acknowledgement_by_phenomenon, *t.decision_by_phenomenon}, key=str
                )
            ],
        },
        "code_of_conduct": _notices(d, d.conduct),
        "quality": [
            {
                **_platform(d, pk),
                "notices": q.notices,
                "renotices": q.renotices,
                "reminders": q.reminders,
                "complaints": q.complaints,
                "refused_notices": q.refused_notices,
                "refused_share": q.refused_share,
                "overdue_notices": q.overdue_notices,
                "overdue_items": q.overdue_items,
            }
            for pk, q in ((pk, d.quality[pk]) for pk in d.platform_order(d.quality))
        ],
    }
