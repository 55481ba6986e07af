"""Every page the public can see, in every state worth checking: one table, shared by the
accessibility, no-third-party and no-trace tests of tests/site/.

A new public page (or a new state of one) is one more ``PublicPage`` in ``PUBLIC_PAGES``: a
name, the route it answers at, the HTTP status it answers with, and a function that brings a
browser there through the page's own links and forms, as a visitor would.
``test_every_public_route_is_in_the_table`` fails when a route that opens without a login is
missing from it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.test import override_settings
from playwright.sync_api import Browser, Page, Response, expect

TIMEOUT = 15_000
LANGUAGES = ("fr", "nl", "de", "en")
# What Chromium sends as Accept-Language for each (the context's locale): LocaleMiddleware
# picks the page's language from it, as for a visitor who never touched the switcher.
LOCALES = {"fr": "fr-BE", "nl": "nl-BE", "de": "de-DE", "en": "en-GB"}
# Synthetic addresses only (flagdesk.core.testing's resolver answers for *.test hosts).
REPORTED_URL = "https://social.example.test/p/a11y-check"
TEST_RESOLVER = "flagdesk.core.testing.test_resolver"
# The three fingerprints a browser sends for one (synthetic) picture: (type, hex, quality).
PICTURE_SIGNALS = (
    ("pdq", "f" * 16 + "0" * 16 + "a5" * 16, 90),
    ("md5", "1" * 32, None),
    ("sha256", "2" * 64, None),
)


@dataclass
class Visit:
    """One browser tab on the live server, and what a page's ``reach`` may need."""

    page: Page
    base_url: str
    settings: Any
    fixture: Callable[[str], Any]  # pytest's getfixturevalue: ``visit.fixture("users")``
    responses: list[Response] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def open(self, path: str) -> None:
        self.page.goto(self.url(path))

    def submit(self, form: str = "main form") -> None:
        """Send a form with its submit button and wait for the answer."""
        with self.page.expect_navigation():
            self.page.locator(f"{form} button[type=submit]").first.click()

    @property
    def status(self) -> int | None:
        """The HTTP status of the document the tab shows now."""
        return self.responses[-1].status if self.responses else None

    def rate_limit_after(self, hits: int) -> None:
        """From now on, public forms refuse the client after ``hits`` more requests (a day's
        window: the test cannot cross its end between two requests)."""
        cache.clear()
        self.settings.PUBLIC_RATE_LIMIT = f"{hits}/d"

    def known_report(self) -> tuple[str, str]:
        """(reference, receipt code) of a report sent earlier, with contact details."""
        from flagdesk.intake.services import ReportSubmission, submit_report

        with override_settings(URL_RESOLVER=TEST_RESOLVER):
            sent = submit_report(
                ReportSubmission(
                    urls=["https://social.example.test/p/a11y-known"],
                    role="victim",
                    phenomenon="ncii",
                    description="Fictional description for the accessibility check.",
                    is_anonymous=False,
                    reporter_name="Robin Example",
                    reporter_email="robin@mail.example.test",
                    has_consented=True,
                )
            )
        return sent.report.reference, sent.receipt_code


@dataclass(frozen=True)
class PublicPage:
    """A public page in one state. ``reach`` drives ``visit.page`` there; the document it
    ends on must answer ``status``. The first Tab on a page with ``leave`` reaches the
    "Leave this site" button."""

    name: str
    route: str
    reach: Callable[[Visit], None]
    status: int = 200
    # Pages for the people who report show "Leave this site"; the staff's sign-in pages do not.
    leave: bool = True


# -- the report form ---------------------------------------------------------------------------


def fill_report(visit: Visit, *, contact: bool = False, url: str = REPORTED_URL) -> None:
    """A complete report as a victim fills it in, optionally with contact details."""
    page = visit.page
    page.fill("#id_urls", url)
    page.fill("#id_description", "Fictional pictures of me posted without my consent.")
    page.check("input[name=role][value=victim]")
    if contact:
        page.check("input[name=anonymous][value=contact]")
        page.fill("#id_reporter_name", "Robin Example")
        page.fill("#id_reporter_email", "robin@mail.example.test")
        page.fill("#id_reporter_phone", "+32 470 00 00 00")
        page.check("#id_has_consented")


def report_empty(visit: Visit) -> None:
    visit.open("/report")


def report_sent_empty(visit: Visit) -> None:
    visit.open("/report")
    visit.submit("form[action$='/report']")


def report_bad_values(visit: Visit) -> None:
    visit.open("/report")
    page = visit.page
    page.fill("#id_urls", "not a web address\nftp://files.example.test/x")
    page.check("input[name=anonymous][value=contact]")
    page.fill("#id_reporter_email", "not an email address")
    page.fill("#id_reporter_phone", "call me")
    visit.submit("form[action$='/report']")


def report_rate_limited(visit: Visit) -> None:
    visit.open("/report")
    visit.rate_limit_after(1)
    visit.submit("form[action$='/report']")  # the one allowed: comes back with errors
    fill_report(visit)
    visit.submit("form[action$='/report']")


def report_too_large(visit: Visit) -> None:
    """A file over every limit, sent past report.js's check (as without JavaScript)."""
    visit.settings.MATCHING_MAX_IMAGE_BYTES = 64 * 1024
    visit.settings.MATCHING_MAX_VIDEO_BYTES = 64 * 1024
    visit.settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    visit.open("/report")
    fill_report(visit)
    page = visit.page
    # A copy of the file input without report.js's listeners: the size check never runs.
    page.evaluate(
        "() => { const i = document.querySelector('#id_media'); i.replaceWith(i.cloneNode()); }"
    )
    big = {"name": "big.bin", "mimeType": "application/octet-stream", "buffer": bytes(300_000)}
    page.set_input_files("#id_media", files=[big])
    visit.submit("form[action$='/report']")


def csrf_refused(visit: Visit) -> None:
    """The form sent after its security cookie went away (an expired page)."""
    visit.open("/report")
    fill_report(visit)
    visit.page.context.clear_cookies()
    visit.submit("form[action$='/report']")


def receipt_shown(visit: Visit) -> None:
    visit.open("/report")
    fill_report(visit, contact=True)
    visit.submit("form[action$='/report']")
    expect(visit.page.locator(".receipt-list")).to_be_visible(timeout=TIMEOUT)


def receipt_already_shown(visit: Visit) -> None:
    receipt_shown(visit)
    visit.page.reload()
    expect(visit.page.locator(".receipt-list")).to_have_count(0)


# -- the status page ---------------------------------------------------------------------------


def status_empty(visit: Visit) -> None:
    visit.open("/report/status")


def status_sent_empty(visit: Visit) -> None:
    visit.open("/report/status")
    visit.submit("form:has(input[name=form][value=status])")


def status_wrong_code(visit: Visit) -> None:
    reference, _code = visit.known_report()
    visit.open("/report/status")
    visit.page.fill("#id_reference", reference)
    visit.page.fill("#id_receipt_code", "WRONG-CODE-0000")
    visit.submit("form:has(input[name=form][value=status])")


def status_found(visit: Visit) -> None:
    reference, code = visit.known_report()
    visit.open("/report/status")
    visit.page.fill("#id_reference", reference)
    visit.page.fill("#id_receipt_code", code)
    visit.submit("form:has(input[name=form][value=status])")
    expect(visit.page.locator("#status-title")).to_be_visible()


def status_message_errors(visit: Visit) -> None:
    visit.open("/report/status")
    visit.page.fill("#id_message-urls", "not a web address")
    visit.submit("form:has(input[name=form][value=message])")


def status_message_added(visit: Visit) -> None:
    reference, code = visit.known_report()
    visit.open("/report/status")
    page = visit.page
    page.fill("#id_message-reference", reference)
    page.fill("#id_message-receipt_code", code)
    page.fill("#id_message-text", "The same pictures are on a second fictional site.")
    page.fill("#id_message-urls", "https://video.example.test/v/a11y-more")
    visit.submit("form:has(input[name=form][value=message])")
    expect(page.locator("#add-information [role=status]")).to_be_visible()


def status_erasure_errors(visit: Visit) -> None:
    visit.open("/report/status")
    visit.submit("form:has(input[name=form][value=erasure])")


def status_erased(visit: Visit) -> None:
    reference, code = visit.known_report()
    visit.open("/report/status")
    page = visit.page
    page.fill("#id_erasure-reference", reference)
    page.fill("#id_erasure-receipt_code", code)
    page.check("#id_erasure-confirm")
    visit.submit("form:has(input[name=form][value=erasure])")
    expect(page.locator("#erase-details [role=status]")).to_be_visible()


def status_rate_limited(visit: Visit) -> None:
    visit.open("/report/status")
    visit.rate_limit_after(1)
    visit.submit("form:has(input[name=form][value=status])")
    visit.submit("form:has(input[name=form][value=status])")


def status_with_request_and_pictures(visit: Visit) -> None:
    """A report of fingerprints alone, about which staff asked a question: the status page
    shows the question, the pictures and the bank-consent section."""
    from flagdesk.intake.reporter_updates import write_to_reporter
    from flagdesk.intake.services import ReportSubmission, submit_report
    from flagdesk.matching.signal_types import ComputedSignal

    users = visit.fixture("users")
    sent = submit_report(
        ReportSubmission(
            urls=[],
            role="victim",
            phenomenon="ncii",
            is_anonymous=False,
            reporter_name="Robin Example",
            reporter_email="robin@mail.example.test",
            has_consented=True,
            signals=tuple(ComputedSignal(*signal) for signal in PICTURE_SIGNALS),
            bank_consent=True,
        )
    )
    write_to_reporter(
        sent.report,
        actor=users["analyst"],
        kind="needs_info",
        subject="Your report",
        text="On which fictional site did you first see the picture?",
    )
    visit.open("/report/status")
    visit.page.fill("#id_reference", sent.report.reference)
    visit.page.fill("#id_receipt_code", sent.receipt_code)
    visit.submit("form:has(input[name=form][value=status])")
    expect(visit.page.locator("#request-title")).to_be_visible()
    expect(visit.page.locator("#pictures-title")).to_be_visible()


def consent_errors(visit: Visit) -> None:
    visit.open("/report/status")
    visit.submit("#keep-looking form")


def consent_stopped(visit: Visit) -> None:
    reference, code = visit.known_report()
    visit.open("/report/status")
    page = visit.page
    page.fill("#id_consent-reference", reference)
    page.fill("#id_consent-receipt_code", code)
    page.check("input[name='consent-choice'][value=stop]")
    visit.submit("#keep-looking form")


# -- "find copies of my picture" ----------------------------------------------------------------


def picture_empty(visit: Visit) -> None:
    visit.open("/report/picture")


def picture_sent_empty(visit: Visit) -> None:
    visit.open("/report/picture")
    visit.submit("form[action$='/report/picture']")


def picture_hashed(visit: Visit) -> None:
    """A synthetic picture chosen and hashed on the device, shown only to the reporter."""
    from flagdesk.intake.tests.device_pictures import encoded, photo_like

    visit.open("/report/picture")
    data = encoded(photo_like(160, 120, 5), "PNG")
    visit.page.set_input_files(
        "#picture-input", files=[{"name": "me.png", "mimeType": "image/png", "buffer": data}]
    )
    expect(visit.page.locator("[data-picture-list] li")).to_have_count(1, timeout=60_000)
    expect(visit.page.locator("[data-picture-list] li img")).to_be_visible()


def picture_undecodable(visit: Visit) -> None:
    """Bytes no browser can decode: the widget says so, in the page's language."""
    visit.open("/report/picture")
    visit.page.set_input_files(
        "#picture-input",
        files=[{"name": "broken.png", "mimeType": "image/png", "buffer": b"not a picture" * 8}],
    )
    expect(visit.page.locator("[data-picture-error]:not([hidden])").first).to_be_visible(
        timeout=60_000
    )


# -- staff sign-in, open to anyone, and the error pages -----------------------------------------


def login_empty(visit: Visit) -> None:
    visit.open("/login")


def login_refused(visit: Visit) -> None:
    visit.fixture("users")
    visit.open("/login")
    visit.page.fill("input[name=username]", "alice")
    visit.page.fill("input[name=password]", "not her password")
    visit.submit("form[action$='/login']")


def _password_stage(visit: Visit, username: str) -> None:
    from conftest import PASSWORD

    visit.open("/login")
    visit.page.fill("input[name=username]", username)
    visit.page.fill("input[name=password]", PASSWORD)
    visit.submit("form[action$='/login']")


def two_factor_verify(visit: Visit) -> None:
    visit.fixture("users")
    _password_stage(visit, "alice")
    expect(visit.page.locator("input[name=code]")).to_be_visible()


def two_factor_wrong_code(visit: Visit) -> None:
    two_factor_verify(visit)
    visit.page.fill("input[name=code]", "000000")
    visit.submit("main form:has(input[name=code])")


def two_factor_setup(visit: Visit) -> None:
    """A new colleague's first login: no authenticator yet."""
    from conftest import PASSWORD
    from flagdesk.accounts.models import User

    if not User.objects.filter(username="newcomer").exists():
        User.objects.create_user("newcomer", email="newcomer@flagdesk.test", password=PASSWORD)
    _password_stage(visit, "newcomer")
    expect(visit.page.locator("img[src^='data:']")).to_be_visible()


def password_reset(visit: Visit) -> None:
    visit.open("/password/reset")


def password_reset_sent(visit: Visit) -> None:
    visit.open("/password/reset")
    visit.page.fill("input[name=email]", "nobody@flagdesk.test")
    visit.submit("main form")


def password_reset_bad_link(visit: Visit) -> None:
    visit.open("/password/reset/MQ/not-a-token")


def password_reset_complete(visit: Visit) -> None:
    visit.open("/password/reset/complete")


def open_data(visit: Visit) -> None:
    visit.open("/open-data/")


def not_found(visit: Visit) -> None:
    visit.open("/report/no-such-page")


PUBLIC_PAGES: list[PublicPage] = [
    PublicPage("report", "intake:report", report_empty),
    PublicPage("report-sent-empty", "intake:report", report_sent_empty),
    PublicPage("report-bad-values", "intake:report", report_bad_values),
    PublicPage("report-rate-limited", "intake:report", report_rate_limited, 429),
    PublicPage("report-too-large", "intake:report", report_too_large, 413),
    PublicPage("report-csrf-refused", "intake:report", csrf_refused, 403),
    PublicPage("receipt", "intake:report-done", receipt_shown),
    PublicPage("receipt-already-shown", "intake:report-done", receipt_already_shown),
    PublicPage("status", "intake:report-status", status_empty),
    PublicPage("status-sent-empty", "intake:report-status", status_sent_empty),
    PublicPage("status-wrong-code", "intake:report-status", status_wrong_code),
    PublicPage("status-found", "intake:report-status", status_found),
    PublicPage("status-message-errors", "intake:report-status", status_message_errors),
    PublicPage("status-message-added", "intake:report-status", status_message_added),
    PublicPage("status-erasure-errors", "intake:report-status", status_erasure_errors),
    PublicPage("status-erased", "intake:report-status", status_erased),
    PublicPage("status-rate-limited", "intake:report-status", status_rate_limited, 429),
    PublicPage("status-request-pictures", "intake:report-status", status_with_request_and_pictures),
    PublicPage("consent-errors", "intake:report-bank-consent", consent_errors),
    PublicPage("consent-stopped", "intake:report-bank-consent", consent_stopped),
    PublicPage("picture", "intake:report-picture", picture_empty),
    PublicPage("picture-sent-empty", "intake:report-picture", picture_sent_empty),
    PublicPage("picture-hashed", "intake:report-picture", picture_hashed),
    PublicPage("picture-undecodable", "intake:report-picture", picture_undecodable),
    PublicPage("login", "accounts:login", login_empty, leave=False),
    PublicPage("login-refused", "accounts:login", login_refused, leave=False),
    PublicPage("two-factor", "accounts:two-factor-verify", two_factor_verify, leave=False),
    PublicPage(
        "two-factor-wrong-code", "accounts:two-factor-verify", two_factor_wrong_code, leave=False
    ),
    PublicPage("two-factor-setup", "accounts:two-factor-setup", two_factor_setup, leave=False),
    PublicPage("password-reset", "accounts:password-reset", password_reset, leave=False),
    PublicPage(
        "password-reset-sent", "accounts:password-reset-done", password_reset_sent, leave=False
    ),
    PublicPage(
        "password-reset-bad-link",
        "accounts:password-reset-confirm",
        password_reset_bad_link,
        leave=False,
    ),
    PublicPage(
        "password-reset-complete",
        "accounts:password-reset-complete",
        password_reset_complete,
        leave=False,
    ),
    PublicPage("open-data", "opendata:index", open_data),
    PublicPage("not-found", "", not_found, 404),
]


@contextmanager
def visiting(
    chromium: Browser,
    base_url: str,
    settings: Any,
    fixture: Callable[[str], Any],
    language: str,
    **context_options: Any,
) -> Iterator[Visit]:
    """A new browser context (no cookies, no history) whose visitor reads ``language``."""
    context = chromium.new_context(
        locale=LOCALES[language], viewport={"width": 1280, "height": 900}, **context_options
    )
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    visit = Visit(page=page, base_url=base_url, settings=settings, fixture=fixture)

    def record(response: Response) -> None:
        if response.request.is_navigation_request() and response.frame == page.main_frame:
            visit.responses.append(response)

    page.on("response", record)
    try:
        yield visit
    finally:
        context.close()


def show(visit: Visit, entry: PublicPage) -> None:
    """Bring ``visit`` to ``entry``'s state, public forms not rate-limited unless it says so,
    and check that the page answered with the status it should."""
    visit.settings.PUBLIC_RATE_LIMIT = "off"
    cache.clear()
    entry.reach(visit)
    assert visit.status == entry.status, (
        f"{entry.name}: HTTP {visit.status} at {visit.page.url}, expected {entry.status}"
    )
