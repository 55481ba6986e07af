"""Mail headers cannot be injected: no value we put in a header can add one (Bcc:, a second To:).

Two kinds of mail leave flagdesk: notices to platforms (``platforms/channels/email.py``) and
alerts to coordinators (``notices/alerts.py``). Their header values come from the organisation's
email, a platform's notice address, coordinators' addresses and the notice's subject, each
checked where it is entered; here the mail layer itself is given hostile values, as if a check
had been skipped (a database edited by hand, a future import), and must refuse rather than send.
"""

from __future__ import annotations

import datetime as dt
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from flagdesk.core.errors import PermanentError
from flagdesk.platforms.channels.base import Outgoing
from flagdesk.platforms.channels.email import build_message
from tests.fuzz.strategies import FUZZ, any_text, storable

pytestmark = pytest.mark.django_db
INJECTIONS = [
    "\r\nBcc: victim@elsewhere.test",
    "\nBcc: victim@elsewhere.test",
    "\rBcc: victim@elsewhere.test",
    "\r\n\r\nforged body",
    "\r\n To: victim@elsewhere.test",
    "\u2028Bcc: victim@elsewhere.test",
    "\x85Bcc: victim@elsewhere.test",
    "\x00Bcc: victim@elsewhere.test",
]
header_values = st.one_of(
    st.sampled_from(INJECTIONS),
    any_text,
    st.tuples(any_text, st.sampled_from(INJECTIONS), any_text).map("".join),
)
OUR_HEADERS = {
    "from",
    "to",
    "reply-to",
    "subject",
    "message-id",
    "date",
    "content-type",
    "content-transfer-encoding",
    "content-language",
    "mime-version",
}


def outgoing(**overrides: str) -> Outgoing:
    fields = {
        "reference": "N-7KQ3-M9XD",
        "subject": "Notice of illegal content (art. 16 DSA) N-7KQ3-M9XD",
        "body": "Text of the notice.",
        "payload": {"reference": "N-7KQ3-M9XD"},
        "sender": "flagger@flagdesk.test",
        "recipient": "dsa@platform.test",
        "message_id": "<N-7KQ3-M9XD@flagdesk.test>",
        "idempotency_key": "N-7KQ3-M9XD",
        "language": "en",
    }
    return Outgoing(**(fields | overrides))


@FUZZ
@given(
    field=st.sampled_from(["subject", "sender", "recipient", "message_id"]),
    value=header_values,
)
@example(field="subject", value="Notice\r\nBcc: victim@elsewhere.test")
@example(field="recipient", value="dsa@platform.test\r\nBcc: victim@elsewhere.test")
@example(field="sender", value="flagger@flagdesk.test\nTo: victim@elsewhere.test")
def test_a_notice_mail_never_gains_a_header(field, value):
    try:
        message = build_message(outgoing(**{field: value}), date="Mon, 07 Dec 2026 12:00:00 +0000")
        raw = message.as_bytes()
    except PermanentError:
        return  # refused: the notice fails and a coordinator is alerted
    sent = message_from_bytes(raw, policy=default_policy)
    top_level = [name.lower() for name in sent]
    assert set(top_level) <= OUR_HEADERS, top_level
    assert sorted(top_level) == sorted(set(top_level)), top_level  # none twice
    head = raw.split(b"\r\n\r\n", 1)[0]
    # Nothing a mail server could take for the end of a line or of the header: only
    # printable ASCII, with CRLF and a space or tab where a long header is folded.
    assert all(
        32 <= b < 127 or b in b"\t"
        for b in head.replace(b"\r\n ", b"").replace(b"\r\n\t", b"").replace(b"\r\n", b"")
    ), head


@pytest.fixture
def real_mail(settings, smtp_server):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    return smtp_server


@pytest.mark.parametrize("injection", INJECTIONS)
@pytest.mark.parametrize("where", ["coordinator", "organisation"])
def test_alert_mails_refuse_an_address_with_a_line_break(users, real_mail, injection, where):
    from django.utils import timezone

    from flagdesk.accounts.models import User
    from flagdesk.notices import alerts
    from flagdesk.notices.outbox import give_up
    from flagdesk.notices.services import queue_notices
    from flagdesk.notices.tests.factories import approved_item, make_platform
    from flagdesk.organisation.models import Organisation
    from flagdesk.organisation.services import current_organisation

    if not storable(injection):
        pytest.skip("PostgreSQL text cannot hold NUL: no such address can be stored there")
    make_platform(users)
    [notice] = queue_notices([approved_item(users)], actor=users["analyst"])
    give_up(notice.outbox, reason="550 rejected")
    # As if a check had been skipped: written straight to the database.
    if where == "coordinator":
        User.objects.create_user(
            "colin", email=f"colin@flagdesk.test{injection}", password="x" * 20, role="coordinator"
        )
    else:
        Organisation.objects.filter(pk=current_organisation().pk).update(
            email=f"flagger@flagdesk.test{injection}"
        )
    alerts.mail_alerts(now=timezone.now() + dt.timedelta(minutes=16))
    for raw, (_sender, recipients) in zip(real_mail.raw, real_mail.envelopes, strict=True):
        head = raw.split(b"\r\n\r\n", 1)[0].lower()
        assert b"bcc:" not in head and b"victim@elsewhere.test" not in head
        assert recipients == [users["coordinator"].email]
    if where == "coordinator":
        # One broken address does not keep the alert from the other coordinators.
        assert [m["To"] for m in real_mail.messages] == [users["coordinator"].email]
