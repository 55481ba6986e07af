"""What `flagdesk demo` shows of partners: one fictional partner hotline and one case forwarded
to it, whose status the partner already reported back.

The partner's address is fictional (``*.example`` never resolves), so nothing is ever sent:
the partner is stored as it would be after registration, and the forward as it would be after
the partner's answer and one callback.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from flagdesk.accounts.models import User
from flagdesk.cases.models import Item

from .models import DeliveryStatus, Forward, Partner
from .services import forward_case, new_secret, record_partner_status

PARTNER_URL = "https://flagdesk.meldpunt-voorbeeld.example"


@transaction.atomic
def load(users: dict[str, User], *, item: Item) -> dict[str, int]:
    """``item`` (a new one) goes to the fictional partner, which has it in review. The
    partner's account is the demo persona pat (role partner), so the API token the demo
    prints for pat works on the referrals API at once."""
    partner = Partner.objects.create(
        name="Meldpunt Voorbeeld (fictional)",
        slug="meldpunt-voorbeeld",
        base_url=PARTNER_URL,
        country="NL",
        phenomena=["ncii", "sextortion"],
        email="referrals@meldpunt-voorbeeld.example",
        their_token="fdk_demo_token_of_a_fictional_partner",  # noqa: S106 - fictional
        shared_secret=new_secret(),
        user=users.get("pat"),
    )
    forward = forward_case(
        [item],
        partner,
        actor=users["alice"],
        reason="Fictional demo: the person shown lives in the Netherlands; the Dutch hotline "
        "has the case.",
    )
    # As if delivered: the worker finds nothing left to send to the fictional address.
    Forward.objects.filter(pk=forward.pk).update(delivery=DeliveryStatus.SENT)
    url = item.url
    record_partner_status(
        forward, {"reference": "R-DEMO-NL01", "status": "received", "items": [{"url": url}]}
    )
    record_partner_status(
        forward,
        {
            "reference": "R-DEMO-NL01",
            "status": "in_review",
            "items": [{"url": url, "status": "in_review"}],
            "updated_at": timezone.now().isoformat(),
        },
    )
    return {"partners": 1, "forwards": 1}
