"""Demo banks and a re-upload: what `flagdesk demo` shows of re-upload detection.

Pictures are synthetic patterns (``samples.synthetic_image``), hashes of them or random bits;
the partner and its hashes are fictional.
"""

from __future__ import annotations

import io
import random

from flagdesk.accounts.models import User
from flagdesk.cases.models import Item

from .media import hash_media
from .models import HashBank
from .samples import synthetic_image
from .services.banks import EntryInput, add_entries, allow_prefill, create_bank, set_bank_shared
from .services.matching import match_item, record_media
from .services.media import add_item_to_bank

DEMO_PICTURE_SEED = 1008


def picture_bytes(*, scale: float = 1.0, quality: int = 92) -> bytes:
    """The demo's known picture; scaled and re-compressed it is what a re-upload looks like."""
    img = synthetic_image(DEMO_PICTURE_SEED, (512, 512))
    if scale != 1.0:
        img = img.resize((int(512 * scale), int(512 * scale)))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality)
    return out.getvalue()


def load(users: dict[str, User], *, known: Item, reupload: Item) -> dict[str, int]:
    """Banks, the known item's hashes (pre-fill allowed), and a matched re-upload."""
    own = create_bank(
        actor=users["carol"],
        name="Own cases",
        description="Hashes of content we assessed as illegal.",
    )
    partner = create_bank(
        actor=users["carol"],
        name="Partner hotline (demo)",
        kind=HashBank.Kind.PARTNER,
        partner=users["pat"],
        description="Fictional partner hotline; it adds hashes through the API.",
    )
    set_bank_shared(own, True, actor=users["carol"])
    rng = random.Random(DEMO_PICTURE_SEED)  # noqa: S311 - fictional demo hashes
    add_entries(
        partner,
        [
            EntryInput(
                "pdq",
                rng.getrandbits(256).to_bytes(32, "big").hex(),
                quality=90,
                tags=["ncii"],
                external_ref=f"demo-partner-{n}",
            )
            for n in range(25)
        ],
        actor=users["pat"],
    )
    record_media(
        known,
        hash_media(picture_bytes(), filename="known.jpg"),
        actor=users["alice"],
        source="analyst",
        keep_thumbnail=True,
    )
    added = add_item_to_bank(known, own, actor=users["alice"], tags=["sextortion"]).added
    approved = known.assessments.filter(review__is_approved=True).first()
    for entry in added:
        if approved is not None:
            allow_prefill(entry, approved, actor=users["bob"])
    record_media(
        reupload,
        hash_media(picture_bytes(scale=0.6, quality=55), filename="copy.jpg"),
        actor=None,
        source="intake",
    )
    matches = match_item(reupload)
    return {"banks": 2, "entries": 25 + len(added), "matches": len(matches)}
