"""Follow-through screens (S3): what needs a person's attention after sending ("Needs
follow-up"), and how each platform answers our notices ("Notice quality").

The figures come from ``flagdesk.notices.sla``; these views only check the role, parse the
period and render.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from flagdesk.accounts.permissions import role_required, staff_user
from flagdesk.accounts.policy import CASEWORK_ROLES
from flagdesk.cases.access import item_scope
from flagdesk.core.errors import ValidationFailed

from .. import sla


@role_required(*CASEWORK_ROLES)
def follow_up_queue(request: HttpRequest) -> HttpResponse:
    """Overdue notices, refusals still open to an art. 20 complaint, failed and stuck sends."""
    follow_up = sla.follow_up(scope=item_scope(staff_user(request)))
    return render(
        request,
        "notices/follow_up_queue.html",
        {
            "follow_up": follow_up,
            "counts": follow_up.counts(),
            "complaint_months": sla.COMPLAINT_MONTHS,
            "stuck_minutes": int(sla.STUCK_AFTER.total_seconds() // 60),
        },
    )


@role_required(*sla.QUALITY_ROLES)
def quality(request: HttpRequest) -> HttpResponse:
    """Per platform: answered, decided, refused and ignored shares, response times, and the
    platforms' own reasons for refusing, over an optional period (``?since=&until=``)."""
    since_raw = request.GET.get("since", "")[:20]
    until_raw = request.GET.get("until", "")[:20]
    errors: dict[str, list[str]] = {}
    try:
        since, until = sla.parse_period(since_raw, until_raw)
    except ValidationFailed as e:
        since = until = None
        errors = {name: [str(m) for m in msgs] for name, msgs in e.fields.items()}
        messages.error(
            request,
            _("%(problem)s The figures below cover every notice sent, over all time.")
            % {"problem": e.message},
        )
    return render(
        request,
        "notices/quality.html",
        {
            "rows": sla.quality_by_platform(since, until),
            "since": since_raw.strip(),
            "until": until_raw.strip(),
            "period_applied": not errors and bool(since or until),
            "errors": errors,
            "refused_threshold": round(sla.REFUSED_SHARE_WARNING * 100),
            "ignored_threshold": round(sla.IGNORED_SHARE_WARNING * 100),
            "min_notices": sla.MIN_NOTICES_FOR_WARNING,
            "reasons_shown": sla.REFUSAL_REASONS_SHOWN,
        },
    )
