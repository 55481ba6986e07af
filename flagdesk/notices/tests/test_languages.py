"""Notices render in the platform's language, with the legally required wording (S15)."""

import pytest

from flagdesk.notices.services import queue_notices
from flagdesk.notices.services.rendering import GOOD_FAITH_WORDS

from .factories import approved_item, make_platform

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "heading"),
    [("fr", "notification"), ("nl", "melding"), ("de", "Meldung"), ("en", "Notice")],
)
def test_each_language_has_the_good_faith_words_and_is_translated(users, language, heading):
    make_platform(users, name=f"Social {language}", domain=f"{language}.test", languages=[language])
    item = approved_item(users, domain=f"{language}.test")
    [notice] = queue_notices([item], actor=users["analyst"])
    assert notice.language == language
    for word in GOOD_FAITH_WORDS[language]:
        assert word in notice.body
    assert heading.lower() in notice.body.splitlines()[0].lower()
