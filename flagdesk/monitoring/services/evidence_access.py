"""Looking at captured evidence: previews blurred by default, clear or whole only on purpose.

Why: analysts look at the worst of what people post, all day. A screenshot is shown as a small
blurred greyscale preview unless the analyst deliberately reveals it (a click that is written
to the audit trail and lasts five minutes); the files themselves are downloaded only with a
stated reason, also audited (issue 11: reading victims' data leaves a trace).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from PIL import Image, ImageFilter, ImageOps

from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.audit.reasons import access_reason
from flagdesk.audit.services import record

from ..models import CaptureFile
from ..storage import store

if TYPE_CHECKING:
    from flagdesk.accounts.models import User

PREVIEW_WIDTH = 640
# A full-page screenshot can be 20,000 px tall: the preview shows its top.
PREVIEW_MAX_HEIGHT = 1600
BLUR_RADIUS = 12


def preview(file: CaptureFile, *, clear: bool) -> bytes:
    """A JPEG preview of a screenshot: greyscale and blurred unless ``clear``."""
    data = store().get(file.storage_key)
    with Image.open(io.BytesIO(data)) as img:
        img.load()
        rgb = img.convert("RGB")
    if rgb.width > PREVIEW_WIDTH:
        rgb = rgb.resize((PREVIEW_WIDTH, max(1, rgb.height * PREVIEW_WIDTH // rgb.width)))
    rgb = rgb.crop((0, 0, rgb.width, min(rgb.height, PREVIEW_MAX_HEIGHT)))
    if not clear:
        rgb = ImageOps.grayscale(rgb).filter(ImageFilter.GaussianBlur(BLUR_RADIUS)).convert("RGB")
    out = io.BytesIO()
    rgb.save(out, format="JPEG", quality=80)
    return out.getvalue()


def reveal(file: CaptureFile, *, actor: User) -> None:
    """The deliberate click that shows a screenshot clear: audited, no reason asked."""
    require_role(actor, *roles_for(Action.EVIDENCE_VIEW))
    record(
        "evidence.reveal",
        actor=actor,
        target=f"capture:{file.capture_id}",
        data={"file": file.name, "item": str(file.capture.item_id)},
    )


def read_file(file: CaptureFile, *, actor: User, reason: str) -> bytes:
    """A capture's file for download, with the reader's reason in the audit trail."""
    require_role(actor, *roles_for(Action.EVIDENCE_VIEW))
    why = access_reason(
        reason,
        too_short=_(
            "Say in a few words why you need this file (for example: to attach it to the "
            "victim's police complaint); it is kept in the audit trail."
        ),
    )
    data = store().get(file.storage_key)
    record(
        "evidence.download",
        actor=actor,
        target=f"capture:{file.capture_id}",
        reason=why,
        data={"file": file.name, "sha256": file.sha256, "item": str(file.capture.item_id)},
    )
    return data
