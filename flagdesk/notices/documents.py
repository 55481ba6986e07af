"""Documents drawn from a notice's history: the complaint file for the Digital Services
Coordinator (art. 53 DSA), as HTML and as PDF.

The file is everything a regulator needs to act without asking: who complains, against which
provider, what the notice said (quoted as frozen), every delivery attempt, every answer and
decision with the platform's own words, every reminder and complaint that followed, and how
long the platform has taken against what was expected. PDFs are drawn by WeasyPrint from the
same HTML; it may fetch nothing (no network, no file): the page carries its own styles.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.organisation.services import current_organisation

from .models import DeliveryAttempt, Notice, NoticeResponse


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(_("Documents load nothing from outside: %(url)s") % {"url": url[:80]})


def _history(notice: Notice) -> list[Notice]:
    """The notice and every notice that followed it (reminders, re-notices, complaints), in
    the order they were made."""
    chain = [notice]
    seen = {notice.pk}
    frontier = [notice]
    while frontier:
        nxt = list(
            Notice.objects.filter(previous__in=frontier)
            .exclude(kind=Notice.Kind.DSC_COMPLAINT)
            .order_by("created_at")
        )
        frontier = [n for n in nxt if n.pk not in seen]
        seen.update(n.pk for n in frontier)
        chain += frontier
    return chain


def dsc_file_context(dsc: Notice) -> dict[str, Any]:
    assert dsc.previous is not None  # noqa: S101 - a DSC file always follows a notice
    notice = dsc.previous
    chain = _history(notice)
    attempts = DeliveryAttempt.objects.filter(notice__in=chain).select_related("notice")
    responses = (
        NoticeResponse.objects.filter(notice__in=chain)
        .select_related("notice")
        .prefetch_related("item_decisions__item")
        .order_by("received_at")
    )
    now = timezone.now()
    waited = (now - notice.sent_at) if notice.sent_at else None
    return {
        "dsc": dsc,
        "notice": notice,
        "platform": notice.platform,
        "organisation": current_organisation(),
        "chain": chain,
        "attempts": list(attempts.order_by("started_at")),
        "responses": list(responses),
        "items": list(dsc.items.order_by("created_at")),
        "waited_hours": round(waited / dt.timedelta(hours=1), 1) if waited else None,
        "drawn_at": now,
        "is_final": dsc.approved_at is not None,
    }


def dsc_file_html(dsc: Notice) -> str:
    return render_to_string("notices/dsc_file.html", dsc_file_context(dsc))


def dsc_file_pdf(dsc: Notice) -> bytes:
    from weasyprint import HTML  # a heavy import, needed only when a file is drawn

    pdf: bytes = HTML(string=dsc_file_html(dsc), url_fetcher=_no_fetch).write_pdf()
    return pdf
