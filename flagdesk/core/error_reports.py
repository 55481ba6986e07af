"""Django's own error reports (the mail to ``ADMINS`` after a 500, the ``DEBUG`` page) without
the request's data.

A 500 on the report form would otherwise mail the victim's name, email, phone and description
(the POST), the receipt code (a header), the session and CSRF cookies, and every local variable
of the failing code, to a mailbox that keeps them for years. What locates the bug stays: the
path, the exception's type, every frame's file, line and function.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

WITHHELD = "(message withheld)"


class ErrorReportFilter(SafeExceptionReporterFilter):
    """Every POST parameter, uploaded file name and cookie is hidden, whatever the view
    declared, and so are headers and settings named like a credential or a URL (which may
    carry one: ``EMAIL_URL``, ``IMAP_URL``), also with ``DEBUG`` on, and the headers that
    identify the person (their address, browser and the page they came from). Local
    variables are hidden unless ``DEBUG`` is on (never with real data: docs/operations.md)."""

    hidden_settings = re.compile(
        "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|COOKIE|CSRF|SESSION|RECEIPT|URL"
        "|ADDR|FORWARDED|REAL_IP|CLIENT_IP|USER_AGENT|REFERER",
        flags=re.I,
    )

    def is_active(self, request: HttpRequest | None) -> bool:
        return True

    def _hide_all(self, values: MultiValueDict[str, Any]) -> MultiValueDict[str, Any]:
        hidden = values.copy()
        for key in hidden:
            hidden.setlist(key, [self.cleansed_substitute])
        return hidden

    def get_post_parameters(self, request: HttpRequest | None) -> MultiValueDict[str, Any]:
        return MultiValueDict() if request is None else self._hide_all(request.POST)

    def get_cleansed_multivaluedict(self, request: HttpRequest, multivaluedict: Any) -> Any:
        return self._hide_all(multivaluedict)

    def get_safe_cookies(self, request: HttpRequest) -> dict[str, str]:
        return {key: self.cleansed_substitute for key in getattr(request, "COOKIES", {})}

    def get_traceback_frame_variables(self, request: HttpRequest | None, tb_frame: Any) -> Any:
        if settings.DEBUG:
            return super().get_traceback_frame_variables(request, tb_frame)
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]


class ErrorReporter(ExceptionReporter):
    """Reports without the exception's message (it can quote the value that failed, like
    ``core.logging``'s tracebacks) nor uploaded files' names, unless ``DEBUG`` is on."""

    def get_traceback_data(self) -> dict[str, Any]:
        data = super().get_traceback_data()
        if self.request is not None:
            data["request_FILES_items"] = [
                (key, self.filter.cleansed_substitute) for key in self.request.FILES
            ]
        if settings.DEBUG:
            return data
        if "exception_value" in data:
            data["exception_value"] = WITHHELD
        data.pop("exception_notes", None)
        for frame in data.get("frames", []):
            cause = frame.get("exc_cause")
            if cause is not None:
                frame["exc_cause"] = f"{type(cause).__qualname__}: {WITHHELD}"
        return data
