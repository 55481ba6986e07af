"""The bundle's ``summary.pdf``: the case as a judge reads it, drawn by WeasyPrint from HTML
as the complaint file is (``notices.documents``): the page carries its own styles and fonts
and may fetch nothing. Times are UTC, as in every other file of the bundle, so that the PDF,
``checks.csv`` and the timestamps can be compared without converting."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from flagdesk.core import taxonomy
from flagdesk.organisation.services import current_organisation

from . import layout
from .contents import BundledItem


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(_("Documents load nothing from outside: %(url)s") % {"url": url[:80]})


def fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 of the certificate as ``openssl x509 -fingerprint -sha256`` prints it."""
    return certificate.fingerprint(hashes.SHA256()).hex(":").upper()


def certificate_rows(certificates: list[x509.Certificate]) -> list[dict[str, str]]:
    return [
        {
            "subject": c.subject.rfc4514_string(),
            "issuer": c.issuer.rfc4514_string(),
            "fingerprint": fingerprint(c),
        }
        for c in certificates
    ]


def phenomenon_label(code: str) -> str:
    phenomenon = taxonomy.phenomena().get(code)
    return phenomenon.label() if phenomenon else code


def context(
    *,
    case_reference: str,
    items: list[BundledItem],
    generated_at: datetime,
    certificates: list[x509.Certificate],
) -> dict[str, Any]:
    """What both the PDF and the README show."""
    captures = [c for item in items for c in item.captures]
    return {
        "case_reference": case_reference,
        "organisation": current_organisation(),
        "generated_at": generated_at,
        "items": [
            {"bundled": item, "phenomenon": phenomenon_label(item.item.phenomenon)}
            for item in items
        ],
        "bundled_captures": [c for c in captures if c.path],
        "timestamped_captures": [c for c in captures if c.path and c.capture.timestamp_token],
        "certificates": certificate_rows(certificates),
        "LANGUAGE_CODE": get_language() or "en",
        "names": {
            "readme": layout.README,
            "sums": layout.SUMS,
            "summary": layout.SUMMARY,
            "checks": layout.CHECKS,
            "chain": layout.CHAIN,
            "manifest": layout.MANIFEST,
            "token": layout.TOKEN,
            "info": layout.CAPTURE_INFO,
        },
    }


def summary_pdf(summary_context: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # a heavy import, needed only when a bundle is drawn

    html = render_to_string("monitoring/bundle_summary.html", summary_context)
    pdf: bytes = HTML(string=html, url_fetcher=_no_fetch).write_pdf()
    return pdf


def readme_text(summary_context: dict[str, Any]) -> bytes:
    return render_to_string("monitoring/bundle_readme.txt", summary_context).encode()
