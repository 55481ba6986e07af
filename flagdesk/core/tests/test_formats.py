"""Issue 8, point 22: one date order everywhere, ISO 8601, in every language; date inputs
show and parse it too."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.conf import settings
from django.template import Context, Template
from django.utils import formats, translation

from flagdesk.core.widgets import IsoDateInput, IsoDateTimeInput

LANGUAGES = [code for code, _name in settings.LANGUAGES]
# 3 December 2026: day and month differ, so any other order shows up.
DAY = dt.date(2026, 12, 3)
MOMENT = dt.datetime(2026, 12, 3, 14, 5)


@pytest.mark.parametrize("language", [*LANGUAGES, "en-gb", "en-us"])
def test_dates_and_times_are_iso_in_every_language(language):
    with translation.override(language):
        assert formats.date_format(DAY) == "2026-12-03"
        assert formats.date_format(DAY, "SHORT_DATE_FORMAT") == "2026-12-03"
        assert formats.date_format(MOMENT, "DATETIME_FORMAT") == "2026-12-03 14:05"
        assert formats.date_format(MOMENT, "SHORT_DATETIME_FORMAT") == "2026-12-03 14:05"
        assert formats.time_format(MOMENT.time()) == "14:05"
        assert formats.localize(MOMENT) == "2026-12-03 14:05"
        rendered = Template('{{ d|date:"SHORT_DATE_FORMAT" }} {{ d|date }}').render(
            Context({"d": DAY})
        )
        assert rendered == "2026-12-03 2026-12-03"


class _Form(forms.Form):
    on = forms.DateField(widget=IsoDateInput())
    at = forms.DateTimeField(widget=IsoDateTimeInput())


@pytest.mark.parametrize("language", LANGUAGES)
def test_date_inputs_show_and_parse_iso_in_every_language(language):
    with translation.override(language):
        html = str(_Form(initial={"on": DAY, "at": MOMENT}))
        assert 'type="text" name="on" value="2026-12-03"' in html
        assert 'name="at" value="2026-12-03 14:05"' in html
        form = _Form({"on": "2026-12-03", "at": "2026-12-03 14:05"})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["on"] == DAY
        # The order a US or Belgian reader might type is refused, never read the other way.
        assert not _Form({"on": "12/03/2026", "at": "03/12/2026 14:05"}).is_valid()
