"""The public report form and status page under hostile input: never a server error.

Anyone on the internet can post to these pages, with any bytes in any field. Whatever arrives,
the answer is the page again with a message (200), the receipt (302), or a refusal (4xx).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.fuzz.strategies import FUZZ, any_text, content_types, hostile_text, nasty, raw_bodies

pytestmark = pytest.mark.django_db

FORM_FIELDS = (
    "urls",
    "phenomenon",
    "description",
    "role",
    "victim_age_band",
    "victim_gender",
    "anonymous",
    "reporter_name",
    "reporter_email",
    "reporter_phone",
    "has_consented",
)
field_values = st.one_of(
    hostile_text,
    nasty,
    st.sampled_from(["ncii", "victim", "witness", "18-24", "female", "contact", "anonymous", "on"]),
    st.lists(hostile_text, min_size=2, max_size=3),  # the same field sent several times
)
form_posts = st.dictionaries(
    st.one_of(st.sampled_from(FORM_FIELDS), any_text), field_values, max_size=len(FORM_FIELDS) + 2
)


@pytest.fixture(autouse=True)
def _resolver(settings):
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"


def _no_server_error(response: Any) -> None:
    assert response.status_code < 500, response.content[:2000]


@FUZZ
@given(data=form_posts, language=st.sampled_from(["en", "fr", "nl", "de", "xx", "*", ""]))
@example(data={"urls": "https://social.example.test/p/1\n" * 60, "role": "victim"}, language="fr")
@example(data={"urls": "\x00", "description": "\x00", "role": "victim"}, language="en")
@example(data={"anonymous": "contact", "reporter_email": "a\r\nBcc: x@evil.test"}, language="de")
def test_the_report_form_never_fails(client, data, language):
    response = client.post("/report", data, headers={"Accept-Language": language})
    _no_server_error(response)
    assert response.status_code in (200, 302, 400, 413)


@FUZZ
@given(body=raw_bodies, content_type=content_types)
def test_the_report_form_survives_any_body(client, body, content_type):
    # generic() sends the bytes as they are; post() would re-encode them for the charset.
    _no_server_error(client.generic("POST", "/report", body, content_type=content_type))


@FUZZ
@given(reference=hostile_text, receipt_code=hostile_text)
@example(reference="R-7KQ3-M9XD", receipt_code="\x00")
@example(reference="r 7kq3 m9xd", receipt_code="O0IL1-" * 20)
def test_the_status_page_never_fails(client, reference, receipt_code):
    response = client.post("/report/status", {"reference": reference, "receipt_code": receipt_code})
    _no_server_error(response)
    assert response.status_code in (200, 400)
