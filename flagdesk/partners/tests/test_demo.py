"""The demo's partner: fictional, with one forward whose status came back."""

from __future__ import annotations

from flagdesk.cases.models import CaseEvent
from flagdesk.intake.services import ReportSubmission, submit_report
from flagdesk.partners import delivery, demo
from flagdesk.partners.models import DeliveryStatus, Forward, Partner


def test_the_demo_partner_has_a_forward_in_review(users):
    submitted = submit_report(ReportSubmission(urls=["https://social.test/demo/1"], role="witness"))
    users = {"alice": users["analyst"]}
    assert demo.load(users, item=submitted.items[0]) == {"partners": 1, "forwards": 1}
    partner = Partner.objects.get()
    assert partner.base_url.endswith(".example")
    forward = Forward.objects.get()
    assert forward.delivery == DeliveryStatus.SENT and forward.their_status == "in_review"
    assert [h["status"] for h in forward.history] == ["received", "in_review"]
    events = CaseEvent.objects.filter(kind=CaseEvent.Kind.FORWARDED)
    assert [e.data["status"] for e in events.order_by("created_at")] == [
        "queued",
        "received",
        "in_review",
    ]
    assert delivery.claim_forward(forward.id) is None  # nothing left to send
