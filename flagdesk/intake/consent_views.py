"""The status page's "Keep looking for your picture" section, posted to a view of its own
(docs/victims.md): with the reference and the receipt code again, the reporter lets us keep
the fingerprints of their pictures in the reporters' bank, or withdraws that at once."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from flagdesk.core.errors import FlagdeskError, RateLimited
from flagdesk.core.ratelimit import check_rate

from . import consent
from .consent_forms import KEEP, BankConsentForm
from .views import found_by_receipt

PREFIX = "consent"


@never_cache
@require_http_methods(["GET", "POST"])
def bank_consent(request: HttpRequest) -> HttpResponse:
    """GET: the section on a page of its own. POST: give or withdraw the consent; the answer
    says what changed. Every POST counts towards the status rate limit, as the status page's
    forms do, so guessing a receipt code here is no faster."""
    form = BankConsentForm(request.POST or None, prefix=PREFIX)
    context: dict[str, object] = {"consent_form": form}
    if request.method == "POST":
        try:
            check_rate(request, "status")
        except RateLimited as e:
            context["rate_limited"] = e.message
            return render(request, "intake/bank_consent.html", context, status=429)
        if form.is_valid():
            # Through the per-reference lock-out, as the status page's other forms.
            report = found_by_receipt(form, context)
            if report is not None:
                try:
                    if form.cleaned_data["choice"] == KEEP:
                        done = consent.give_bank_consent(report)
                    else:
                        done = consent.withdraw_bank_consent(report)
                except FlagdeskError as e:
                    form.add_error(None, str(e.message))
                else:
                    context["consent_outcome"] = _outcome(done)
                    context["consent_form"] = BankConsentForm(prefix=PREFIX)
    status = 429 if context.get("locked") else 200
    return render(request, "intake/bank_consent.html", context, status=status)


def _outcome(done: consent.ConsentState) -> str:
    if done.bank_consent:
        return _(
            "Thank you. We keep the fingerprints of your pictures and keep looking for copies. "
            "You can stop this here at any time."
        )
    if done.entries_removed or done.withdrawn_at:
        return _(
            "Done. The fingerprints of your pictures are out of our bank: nothing new is "
            "compared with them any more."
        )
    return _("Your report's fingerprints were not in our bank, so there was nothing to stop.")
