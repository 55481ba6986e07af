"""Serving a court bundle to the web page and to the API alike.

The ZIP is written to a temporary file (a case with many captures can weigh hundreds of
megabytes) and streamed from there; the file is gone once the response is closed.
"""

from __future__ import annotations

import tempfile
import uuid
from typing import TYPE_CHECKING

from django.http import FileResponse
from django.utils.translation import gettext as _

from flagdesk.audit.reasons import access_reason
from flagdesk.cases.models import Case
from flagdesk.cases.queries import case_entry, visible_items
from flagdesk.core.errors import NotFound

from .bundle.build import write_bundle

if TYPE_CHECKING:
    from flagdesk.accounts.models import User

# Bundles up to this size stay in memory while written; larger ones spill to disk.
IN_MEMORY_BYTES = 16 * 1024 * 1024


def bundle_for(
    user: User, case_id: object, item_id: str = "", *, reason: str | None = None
) -> FileResponse:
    """The bundle of a case ``user`` may open (404 otherwise), optionally of one item.

    ``reason``: the web page asks why (like any evidence download) and it must say something
    (``ValidationFailed`` otherwise); an API call may give one (``None``: not asked)."""
    if case_entry(user, case_id) is None:
        raise NotFound(_("No case with this id."))
    case = Case.objects.get(pk=case_id)
    items = None
    if item_id:
        try:
            wanted = uuid.UUID(str(item_id))
        except ValueError:
            raise NotFound(_("No item with this id.")) from None
        item = visible_items(user).filter(pk=wanted, case=case).first()
        if item is None:
            raise NotFound(_("No item with this id."))
        items = [item]
    why = ""
    if reason is not None:
        why = access_reason(
            reason,
            too_short=_(
                "Say in a few words why you need the evidence bundle (for example: for the "
                "police complaint of the victim); it is kept in the audit trail."
            ),
        )
    stream = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES)  # closed by the response
    report = write_bundle(stream, case=case, items=items, actor=user, reason=why)
    stream.seek(0)
    response = FileResponse(
        stream, as_attachment=True, filename=report.filename, content_type="application/zip"
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Bundle-SHA256"] = report.sha256
    return response
