"""POST /api/v1/reports with ``signals``: hashes a reporter computed on their own device.

Each refusal has its own message in the reporter's language and stores nothing; a report of
hashes alone (the "find copies of my picture" page) is a case without items whose hashes the
reporters' bank keeps (docs/victims.md).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flagdesk.audit.models import AuditEntry
from flagdesk.cases.models import Case, CaseEvent, Item
from flagdesk.intake.models import Report, ReportSignal
from flagdesk.matching.models import BankEntry, HashBank, ItemSignal
from flagdesk.matching.tests.factories import random_pdq

from .factories import URL, api_payload

pytestmark = pytest.mark.django_db

REPORTS = "/api/v1/reports"
PDQ = random_pdq(1401)
MD5 = "0123456789abcdef" * 2
SHA = "fedcba9876543210" * 4


def picture(pdq: str = PDQ, quality: int = 92, md5: str = MD5, sha: str = SHA) -> list[dict]:
    """The three signals the browser sends for one picture."""
    return [
        {"type": "pdq", "value": pdq, "quality": quality},
        {"type": "md5", "value": md5},
        {"type": "sha256", "value": sha},
    ]


def hashes_only(**overrides: Any) -> dict[str, Any]:
    """What the "find copies of my picture" page sends: no address, the bank consent."""
    payload = api_payload(signals=picture(), bank_consent=True, urls=None)
    payload.pop("urls")
    payload.update(overrides)
    return payload


def post(client: Client, body: Any) -> Any:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(REPORTS, data=data, content_type="application/json")


def assert_nothing_stored() -> None:
    assert not Report.objects.exists()
    assert not ReportSignal.objects.exists()
    assert not ItemSignal.objects.exists()
    assert not BankEntry.objects.exists()
    assert not Case.objects.exists()


def in_french(message: str, **params: Any) -> str:
    """The message as a French reporter reads it (the catalogue's, once translations are in)."""
    with translation.override("fr"):
        text = translation.gettext(message)
    return text % params if params else text


def test_a_report_of_hashes_alone_is_a_case_without_items(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, hashes_only())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["items"] == []
    report = Report.objects.get(reference=body["reference"])
    assert not report.items.exists() and not Item.objects.exists()
    stored = list(report.signals.values_list("signal_type", "value", "quality"))
    assert stored == [("pdq", PDQ, 92), ("md5", MD5, None), ("sha256", SHA, None)]
    assert report.bank_consent_at is not None and report.bank_consent_withdrawn_at is None
    # Kept in the reporters' bank, in the report's name, leading to its case.
    bank = HashBank.objects.get(kind=HashBank.Kind.REPORTERS)
    assert bank.is_enabled and not bank.is_shared
    entries = BankEntry.objects.filter(bank=bank)
    assert {(e.signal_type, e.value) for e in entries} == {
        ("pdq", PDQ),
        ("md5", MD5),
        ("sha256", SHA),
    }
    assert {(e.case_id, e.external_ref, tuple(e.tags)) for e in entries} == {
        (report.case_id, report.reference, ("ncii",))
    }
    kinds = list(CaseEvent.objects.filter(case=report.case).values_list("kind", "after"))
    assert kinds == [("reported", ""), ("bank_consent", "given")]
    audit = AuditEntry.objects.get(action="report.bank_consent")
    assert audit.actor is None and audit.data["consent"] == "given"
    assert "a@example.org" not in json.dumps(audit.data)


def test_hashes_with_an_address_go_on_every_item_and_are_matched(
    client: Client, users, django_capture_on_commit_callbacks
) -> None:
    from flagdesk.matching.models import Match
    from flagdesk.matching.tests.factories import add, bank, flip

    own = bank(users["coordinator"])
    [known] = add(own, users["analyst"], ("pdq", flip(PDQ, 9), 90))
    payload = api_payload(urls=[URL, "https://other.example.test/p/2"], signals=picture())
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, payload)
    assert response.status_code == 201, response.content
    report = Report.objects.get()
    assert report.bank_consent_at is None  # not asked: nothing kept in the reporters' bank
    assert not BankEntry.objects.filter(bank__kind=HashBank.Kind.REPORTERS).exists()
    call_command("worker", burst=True)  # the matching tasks queued on commit, as in production
    for item in report.items.all():
        rows = item.signals.order_by("id")
        assert [(s.signal_type, s.source, s.media_kind) for s in rows] == [
            ("pdq", "device", "image"),
            ("md5", "device", "image"),
            ("sha256", "device", "image"),
        ]
        # Its matching task found the known picture by PDQ.
        [match] = Match.objects.filter(item=item)
        assert (match.entry, match.distance) == (known, 9)


def test_duplicates_are_collapsed_and_hex_is_kept_lower_case(client: Client) -> None:
    signals = [*picture(pdq=PDQ.upper()), *picture(), {"type": "MD5", "value": MD5}]
    response = post(client, hashes_only(signals=signals))
    assert response.status_code == 201, response.content
    rows = list(ReportSignal.objects.values_list("signal_type", "value"))
    assert rows == [("pdq", PDQ), ("md5", MD5), ("sha256", SHA)]


def test_without_address_the_bank_consent_is_needed(client: Client) -> None:
    response = post(client, hashes_only(bank_consent=False, language="fr"))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["fields"] == {
        "bank_consent": [
            in_french(
                "Without a web address we can only look for your picture if you let us keep "
                "its fingerprints. Tick the box to allow it, or give the address where you "
                "saw the picture."
            )
        ]
    }
    assert_nothing_stored()


def test_neither_address_nor_picture_is_refused(client: Client) -> None:
    payload = api_payload(urls=[])
    response = post(client, payload)
    assert response.status_code == 422
    [message] = response.json()["error"]["fields"]["urls"]
    assert message == in_french(
        "Give at least one web address (URL) of the content, or add a picture so we can look "
        "for copies of it."
    )
    assert_nothing_stored()


BAD_SIGNALS = [
    pytest.param({"type": "pdq", "value": PDQ}, "signals", None, id="not-a-list"),
    pytest.param(
        ["abc"],
        "Fingerprint %(n)d must be an object with a type and a value.",
        {"n": 1},
        id="not-an-object",
    ),
    pytest.param(
        [{"type": "pdq"}],
        "Fingerprint %(n)d needs a type and a value, both written as text.",
        {"n": 1},
        id="no-value",
    ),
    pytest.param(
        [{"type": 3, "value": PDQ}],
        "Fingerprint %(n)d needs a type and a value, both written as text.",
        {"n": 1},
        id="type-not-text",
    ),
    pytest.param(
        [*picture(), {"type": "vpdq", "value": PDQ}],
        "Fingerprint %(n)d is of a type we do not take from a device; the types are pdq, md5 "
        "and sha256. Videos cannot be fingerprinted on the device: upload them with the "
        "report form instead.",
        {"n": 4},
        id="unknown-type",
    ),
    pytest.param(
        [{"type": "md5", "value": "zz" * 16}],
        "Fingerprint %(n)d (%(type)s) must be written in hexadecimal digits (0-9 and a-f).",
        {"n": 1, "type": "md5"},
        id="not-hex",
    ),
    pytest.param(
        [{"type": "sha256", "value": MD5}],
        "Fingerprint %(n)d (%(type)s) must have %(length)d hexadecimal digits; it has %(count)d.",
        {"n": 1, "type": "sha256", "length": 64, "count": 32},
        id="wrong-length",
    ),
    pytest.param(
        [{"type": "pdq", "value": PDQ, "quality": 101}],
        "The quality of fingerprint %(n)d must be a whole number from 0 to 100.",
        {"n": 1},
        id="quality-over-100",
    ),
    pytest.param(
        [{"type": "pdq", "value": PDQ, "quality": -1}],
        "The quality of fingerprint %(n)d must be a whole number from 0 to 100.",
        {"n": 1},
        id="quality-negative",
    ),
    pytest.param(
        [{"type": "pdq", "value": PDQ, "quality": "90"}],
        "The quality of fingerprint %(n)d must be a whole number from 0 to 100.",
        {"n": 1},
        id="quality-text",
    ),
    pytest.param(
        [{"type": "pdq", "value": PDQ, "quality": True}],
        "The quality of fingerprint %(n)d must be a whole number from 0 to 100.",
        {"n": 1},
        id="quality-boolean",
    ),
    pytest.param(
        picture(quality=30),
        "Picture fingerprint %(n)d is too plain to be found reliably: its quality is "
        "%(quality)d of 100 and we need at least %(minimum)d. Pictures that are mostly one "
        "colour, very dark or very small give weak fingerprints. Choose a sharper, more "
        "detailed version of the picture, or give the web address where it appears.",
        {"n": 1, "quality": 30, "minimum": 50},
        id="too-plain",
    ),
    pytest.param(
        picture() * 10 + [{"type": "md5", "value": MD5}],
        "A report can carry the fingerprints of at most %(pictures)d pictures (%(limit)d "
        "fingerprints); this one has %(count)d. Send the other pictures in another report.",
        {"pictures": 10, "limit": 30, "count": 31},
        id="too-many",
    ),
]


@pytest.mark.parametrize(("signals", "message", "params"), BAD_SIGNALS)
def test_each_bad_signal_has_its_message_and_nothing_is_stored(
    client: Client, signals: Any, message: str, params: dict[str, Any] | None
) -> None:
    response = post(client, hashes_only(signals=signals, language="fr"))
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"signals"}
    if params is None:  # the shape: a list of objects
        expected = in_french(
            "Send the fingerprints as a list of objects, each with a type and a value."
        )
    else:
        expected = in_french(message, **params)
    assert error["fields"]["signals"] == [expected]
    assert_nothing_stored()


def test_thousands_of_signals_are_refused_before_any_is_read(
    client: Client, django_assert_max_num_queries
) -> None:
    signals = [{"type": "pdq", "value": random_pdq(n), "quality": 90} for n in range(5000)]
    with django_assert_max_num_queries(3):  # the rate limit's cache, nothing per signal
        response = post(client, hashes_only(signals=signals, language="en"))
    assert response.status_code == 422
    [message] = response.json()["error"]["fields"]["signals"]
    assert "this one has 5000" in message
    assert_nothing_stored()


def test_a_bad_signal_beside_an_address_stores_no_item(client: Client) -> None:
    response = post(client, api_payload(signals=picture(quality=10)))
    assert response.status_code == 422
    assert_nothing_stored()
    assert not Item.objects.exists()


def test_a_partner_referral_takes_the_same_signals(users, api) -> None:
    from flagdesk.partners.models import Referral
    from flagdesk.partners.tests.factories import make_partner

    make_partner(user=users["partner"])
    body = {**hashes_only(), "partner_reference": "P-1401"}
    response = api("partner").post("/referrals", body)
    assert response.status_code == 201, response.content
    referral = Referral.objects.get()
    assert list(referral.report.signals.values_list("signal_type", flat=True)) == [
        "pdq",
        "md5",
        "sha256",
    ]


SIGNAL_FIELD = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=70)
SIGNAL_ENTRIES = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "type": st.sampled_from(["pdq", "md5", "sha256", "PDQ", "vpdq", "", "\x00"])
            | SIGNAL_FIELD,
            "value": st.sampled_from([PDQ, MD5, SHA, PDQ.upper(), "\ud800" * 64]) | SIGNAL_FIELD,
            "quality": st.integers(-5, 105) | SIGNAL_FIELD,
        },
    )
    | SIGNAL_FIELD,
    max_size=6,
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(signals=SIGNAL_ENTRIES | SIGNAL_FIELD, consent=SIGNAL_FIELD, with_url=st.booleans())
def test_no_signals_give_a_server_error(
    client: Client, signals: Any, consent: Any, with_url: bool
) -> None:
    payload = hashes_only(signals=signals, bank_consent=consent)
    if with_url:
        payload["urls"] = [URL]
    response = post(client, payload)
    assert response.status_code in (201, 422), response.content
    if response.status_code == 422:
        error = response.json()["error"]
        assert error["code"] == "invalid" and error["fields"]


def test_a_pdq_without_its_quality_is_refused_and_nothing_stored(client: Client) -> None:
    """A weak PDQ must not slip past the quality check by leaving the quality out."""
    signals = [{"type": "pdq", "value": PDQ}, {"type": "md5", "value": MD5}]
    answer = post(client, api_payload(signals=signals))
    assert answer.status_code == 422
    assert "(pdq)" in answer.json()["error"]["fields"]["signals"][0]  # in the report's language
    assert not Report.objects.exists()
