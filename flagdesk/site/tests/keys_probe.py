"""Writes and reads encrypted data inside a ``flagdesk`` instance, for test_keys_process.py.

``write``: a report with contact details through intake, and a picture kept as evidence with
a thumbnail through matching (as the analyst alice of the demo). ``read``: every report's
encrypted fields and every kept file, decrypted with the keys this process loaded, printed
as JSON. Exceptions are not caught: a value that no key opens fails the probe.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flagdesk.settings")

import django

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402

from flagdesk.accounts.models import User  # noqa: E402
from flagdesk.intake.models import Report  # noqa: E402
from flagdesk.intake.services import ReportSubmission, submit_report  # noqa: E402
from flagdesk.matching.demo import picture_bytes  # noqa: E402
from flagdesk.matching.models import ItemSignal, MediaFile  # noqa: E402
from flagdesk.matching.services.evidence import read_file  # noqa: E402
from flagdesk.matching.services.media import hash_item_media  # noqa: E402

FIELDS = ("reporter_name", "reporter_email", "reporter_phone", "description")


def write() -> dict[str, object]:
    submitted = submit_report(
        ReportSubmission(
            urls=["https://social.test/p/rotation"],
            role="victim",
            phenomenon="ncii",
            is_anonymous=False,
            has_consented=True,
            reporter_name="Jeanne Fictive",
            reporter_email="jeanne@fictive.test",
            reporter_phone="+32 470 00 00 00",
            description="A fictional description.",
        )
    )
    upload = SimpleUploadedFile("me.jpg", picture_bytes(), content_type="image/jpeg")
    kept = hash_item_media(
        submitted.items[0],
        upload,
        actor=User.objects.get(username="alice"),
        source="analyst",
        keep_file=True,
        keep_thumbnail=True,
    ).kept.media_file
    return {"report": str(submitted.report.pk), "file": str(kept.pk) if kept else None}


def read() -> dict[str, object]:
    reviewer = User.objects.get(username="bob")
    return {
        "reports": {str(r.pk): {f: getattr(r, f) for f in FIELDS} for r in Report.objects.all()},
        "thumbnails": sorted(
            hashlib.sha256(s.thumbnail.encode()).hexdigest()
            for s in ItemSignal.objects.exclude(thumbnail="")
        ),
        "files": {
            str(f.pk): hashlib.sha256(
                read_file(f, actor=reviewer, reason="court bundle for the victim")
            ).hexdigest()
            for f in MediaFile.objects.all()
        },
    }


if __name__ == "__main__":
    json.dump(write() if sys.argv[1:] == ["write"] else read(), sys.stdout)
