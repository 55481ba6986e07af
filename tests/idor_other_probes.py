"""The IDOR matrix's probes beyond cases' objects (``test_idor_matrix.py``): another
partner's bank, a hash under another bank's name, another user's token or reset link, another
report's receipt code, another platform's notice; and objects of no case (user accounts,
platforms, staff's view of the hash banks, the legal bases), where the role is the whole rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from flagdesk.accounts.services import issue_token
from flagdesk.matching.services.banks import create_bank
from flagdesk.matching.tests.factories import random_pdq
from flagdesk.organisation.services import confirm_legal_basis
from flagdesk.platforms.services import add_platform, new_inbound_secret
from tests.idor_world import Probe, Req, Target, api, page
from tests.matrix_world import BASIS, LEGAL_NOTE, approved_item, public_report, sent_notice

OTHER_PARTNER = "another partner's bank"
OTHER_BANK = "a hash under another bank's name"
OTHER_OWNER = "another user's token"
OTHER_USER = "another user's reset link"
OTHER_REPORT = "another report's receipt code"
OTHER_PLATFORM = "another platform's notice"
OTHER_REFERRER = "another partner's referral"
OTHER_FORWARD = "a forward to another partner"
UNSCOPED = "no scope but the role"


def _pats(method: str, suffix: str = "", data: Any = None) -> Callable[[Target], Req]:
    def make(t: Target) -> Req:
        bank, entry = t.pats_bank
        slug = bank.slug
        path = f"/banks/{slug}{suffix.format(entry=entry.public_id)}"
        return api(method, path, slug, data, unknown_key="no-such-bank")

    return make


def _under_another_bank(route: str, method: str = "GET", data: Any = None) -> Any:
    """The world's hash under the short name of another bank (``own``: of its bank)."""

    def make(t: Target, *, own: bool = False) -> Req:
        entry = t.world.match.entry
        other = t._once("bank B", lambda: create_bank(actor=t.users["coordinator"], name="B"))
        slug = entry.bank.slug if own else other.slug
        if route.startswith("api:"):
            return api(method, f"/banks/{slug}/entries/{entry.public_id}/remove", slug, data)
        return page(method, route, slug, data, slug=slug, public_id=str(entry.public_id))

    return make


def _own(make: Any) -> Callable[[Target], Req]:
    return lambda t: make(t, own=True)


def _token_revoke(t: Target) -> Req:
    """Carol's token, revoked from someone else's account page."""
    prefix = issue_token(t.users["coordinator"])[:12]
    req = page("POST", "accounts:own-token-revoke", prefix, prefix=prefix)
    return replace(req, unknown_key="fdk_nosuchtk")


def _token_of_another(t: Target, *, own: bool = False) -> Req:
    """Bob's token, revoked on alice's page (``own``: on bob's)."""
    prefix = t._once("bob's token", lambda: issue_token(t.users["reviewer"])[:12])
    user = t.users["reviewer" if own else "analyst"]
    data = {"reason": "Lost laptop."}
    req = page("POST", "accounts:user-token-revoke", prefix, data, user_id=user.pk, prefix=prefix)
    return replace(req, unknown_key="fdk_nosuchtk")


def _reset_link(t: Target, *, own: bool = False) -> Req:
    """Carol's address with a link made for alice (``own``: carol's own link)."""
    carol, alice = t.users["coordinator"], t.users["analyst"]
    uid = urlsafe_base64_encode(force_bytes(carol.pk))
    token = default_token_generator.make_token(carol if own else alice)
    req = page("GET", "accounts:password-reset-confirm", uid, uidb64=uid, token=token)
    return replace(req, unknown_key=urlsafe_base64_encode(b"999999"))


def _report(method: str, suffix: str = "", data: Any = None) -> Any:
    """Report A's reference with report B's receipt code (``own``: A's own)."""

    def make(t: Target, *, own: bool = False) -> Req:
        mine = t.world.report
        theirs = t._once("theirs", lambda: public_report("https://social.test/hidden/theirs"))
        code = (mine if own else theirs).receipt_code
        ref = mine.report.reference
        headers = (("X-Receipt-Code", code),)
        path = f"/reports/{ref}{suffix}"
        return api(method, path, ref, data, headers=headers, unknown_key="R-0000-0000")

    return make


def _status_page(t: Target, *, own: bool = False) -> Req:
    """The status page's erasure form: report A's reference, report B's code (``own``: A's)."""
    mine = t.world.report
    theirs = t._once("theirs", lambda: public_report("https://social.test/hidden/theirs"))
    ref = mine.report.reference
    data = {
        "form": "erasure",
        "erasure-reference": ref,
        "erasure-receipt_code": (mine if own else theirs).receipt_code,
        "erasure-confirm": "on",
    }
    return replace(page("POST", "intake:report-status", ref, data), unknown_key="R-0000-0000")


def _consent_page(t: Target, *, own: bool = False) -> Req:
    """The "Keep looking" form: report A's reference, report B's code (``own``: A's)."""
    mine = t.world.report
    theirs = t._once("theirs", lambda: public_report("https://social.test/hidden/theirs"))
    ref = mine.report.reference
    data = {
        "consent-reference": ref,
        "consent-receipt_code": (mine if own else theirs).receipt_code,
        "consent-choice": "stop",
    }
    return replace(page("POST", "intake:report-bank-consent", ref, data), unknown_key="R-0000-0000")


def _inbound(t: Target, *, own: bool = False) -> Req:
    """Social's signed answer naming a notice sent to another platform (``own``: its own)."""

    def make() -> tuple[str, str]:
        coordinator = t.users["coordinator"]
        other = ["other.test"]
        add_platform(actor=coordinator, name="Other", domains=other, notice_address="a@other.test")
        item, _ = approved_item(t.users, "https://other.test/p/1")
        secret = new_inbound_secret(t.world.platform, actor=coordinator)
        return sent_notice(t.users, item).reference, secret

    theirs, secret = t._once("inbound", make)
    reference = t.world.notice.reference if own else theirs
    body = {"notice_reference": reference, "kind": "acknowledgement"}
    path = f"/inbound/{t.world.platform.slug}"
    return api("POST", path, reference, body, secret=secret, unknown_key="N-0000-0000")


def _referral(t: Target, *, own: bool = False) -> Req:
    """Pat's referral, asked for by Otto's partner (``own``: Pat asks)."""
    from flagdesk.accounts.models import User
    from flagdesk.partners.tests.factories import make_partner

    t._once(
        "otto's partner",
        lambda: make_partner(slug="otto-hotline", user=User.objects.get(username="otto")),
    )
    reference = t.world.referral.partner_reference
    return api("GET", f"/referrals/{reference}", reference, unknown_key="NO-SUCH-REF")


def _callback(t: Target, *, own: bool = False) -> Req:
    """Partner Y's signed callback naming our forward to partner X (``own``: to Y)."""
    from flagdesk.partners.services import forward_case
    from flagdesk.partners.tests.factories import make_partner

    def make() -> tuple[Any, Any, Any]:
        x = make_partner(slug="hotline-x", secret="secret-of-x-0123456789")
        y = make_partner(slug="hotline-y", secret="secret-of-y-0123456789")
        mine = public_report("https://social.test/forwarded/x").items
        theirs = public_report("https://social.test/forwarded/y").items
        analyst = t.users["analyst"]
        to_x = forward_case(mine, x, actor=analyst, reason="Theirs.")
        to_y = forward_case(theirs, y, actor=analyst, reason="Theirs.")
        return y, to_x, to_y

    y, to_x, to_y = t._once("forwards", make)
    reference = (to_y if own else to_x).reference
    body = {"partner_reference": reference, "status": "removed"}
    path = f"/partners/{y.slug}/callback"
    return api("POST", path, reference, body, secret=y.shared_secret, unknown_key="C-0000-0000")


def _other(
    scenario: str,
    request: Any,
    ok: int,
    outsiders: tuple[str | None, ...],
    *,
    own: bool = False,
    **more: Any,
) -> Probe:
    """A probe of ``scenario``; ``own``: someone in reach asks for their own object instead."""
    control = _own(request) if own else None
    return Probe(
        set(),
        ok,
        scenarios=(scenario,),
        request=request,
        control=control,
        outsiders=outsiders,
        **more,
    )


REMOVE = {"reason": "Added by mistake."}
ANONYMOUS: tuple[str | None, ...] = (None,)
EVERYONE_BUT_CAROL = ("alice", "bob", "dave", "erin", "frank", "pat", "mallory")
# A partner sees its own and shared banks; staff readers see every bank (no scenario there).
# A partner may not remove hashes at all, yet learns nothing of another's bank: 404 first.
# fmt: off
OTHER_PROBES: dict[tuple[str, str], Probe] = {
    ("api:get_bank", "GET"): _other(OTHER_PARTNER, _pats("GET"), 200, ("otto",), insider="pat"),
    ("api:export_entries", "GET"): _other(
        OTHER_PARTNER, _pats("GET", "/entries"), 200, ("otto",), insider="pat", writes=True
    ),
    ("api:import_entries", "POST"): _other(
        OTHER_PARTNER,
        _pats("POST", "/entries", {"entries": [{"signal_type": "pdq", "value": random_pdq(9)}]}),
        201, ("otto",), insider="pat", writes=True,
    ),
    ("api:remove_bank_entry", "POST"): _other(
        OTHER_PARTNER, _pats("POST", "/entries/{entry}/remove", REMOVE), 200, ("otto",),
        writes=True,
    ),
    ("api:remove_bank_entry", "POST, another bank"): _other(
        OTHER_BANK, _under_another_bank("api:", "POST", REMOVE), 200,
        ("bob", "carol", "erin"), own=True, writes=True,
    ),
    ("matching:entry-detail", "GET"): _other(
        OTHER_BANK, _under_another_bank("matching:entry-detail"), 200,
        ("alice", "erin", "frank"), own=True,
    ),
    ("matching:entry-thumbnail", "GET"): _other(
        OTHER_BANK, _under_another_bank("matching:entry-thumbnail"), 200,
        ("alice", "erin", "frank"), own=True,
    ),
    ("matching:entry-remove", "POST"): _other(
        OTHER_BANK, _under_another_bank("matching:entry-remove", "POST", REMOVE), 302,
        ("bob", "erin"), own=True, writes=True,
    ),
    ("matching:entry-prefill", "POST"): _other(
        OTHER_BANK, _under_another_bank("matching:entry-prefill", "POST", {}), 302,
        ("bob",), own=True, insider="bob", writes=True,
    ),
    ("accounts:own-token-revoke", "POST"): _other(
        OTHER_OWNER, _token_revoke, 302, EVERYONE_BUT_CAROL, writes=True
    ),
    ("accounts:user-token-revoke", "POST"): _other(
        OTHER_OWNER, _token_of_another, 302, ("erin",), own=True,
        insider="erin", writes=True,
    ),
    ("accounts:password-reset-confirm", "GET"): _other(
        OTHER_USER, _reset_link, 302, ANONYMOUS, own=True, insider=None
    ),
    ("api:report_status", "GET"): _other(
        OTHER_REPORT, _report("GET"), 200, ANONYMOUS, own=True, insider=None
    ),
    ("api:request_erasure", "POST"): _other(
        OTHER_REPORT, _report("POST", "/erasure"), 202, ANONYMOUS, own=True,
        insider=None, writes=True,
    ),
    ("api:add_message", "POST"): _other(
        OTHER_REPORT, _report("POST", "/messages", {"text": "More."}), 201, ANONYMOUS,
        own=True, insider=None, writes=True,
    ),
    ("intake:report-status", "POST"): _other(
        OTHER_REPORT, _status_page, 200, ANONYMOUS, own=True, insider=None, writes=True
    ),
    # The consent to the reporters' bank: the world's report has no fingerprints, so its own
    # code gets "nothing to keep" (409) and "nothing to withdraw" (200), writing nothing.
    ("api:give_bank_consent", "PUT"): _other(
        OTHER_REPORT, _report("PUT", "/bank-consent"), 409, ANONYMOUS, own=True, insider=None
    ),
    ("api:withdraw_bank_consent", "DELETE"): _other(
        OTHER_REPORT, _report("DELETE", "/bank-consent"), 200, ANONYMOUS, own=True, insider=None
    ),
    ("intake:report-bank-consent", "POST"): _other(
        OTHER_REPORT, _consent_page, 200, ANONYMOUS, own=True, insider=None
    ),
    ("api:inbound", "POST"): _other(
        OTHER_PLATFORM, _inbound, 202, ANONYMOUS, own=True, insider=None,
        writes=True,
    ),
    # A partner follows its own referrals only; a partner's callback is about forwards to it.
    ("api:get_referral", "GET"): _other(
        OTHER_REFERRER, _referral, 200, ("otto",), own=True, insider="pat"
    ),
    ("api:partner_callback", "POST"): _other(
        OTHER_FORWARD, _callback, 200, ANONYMOUS, own=True, insider=None, writes=True
    ),
}
# fmt: on
# Probes whose route answers an unknown id otherwise than with a 404, and an id out of reach
# in the same way: back to the account or user page with "no token with this prefix", the
# reset page's "this link is not valid", and forms shown again with "not found" for the ids or
# receipt code in their body (a data subject's reports, items to notify, a notice a mail
# answers, the reporter's status page).
LIKE_UNKNOWN = {
    ("accounts:own-token-revoke", "POST"),
    ("accounts:user-token-revoke", "POST"),
    ("accounts:password-reset-confirm", "GET"),
    ("intake:subject-request", "POST"),
    ("notices:notice-send", "POST"),
    # The workbench answers an item out of reach as one that does not exist: back to the
    # queue saying it is not there (claim, the bulk toolbar), nothing to assess.
    ("workbench:claim", "POST"),
    ("workbench:bulk", "POST"),
    ("workbench:bulk-assess", "GET"),
    ("workbench:bulk-assess", "POST"),
    ("notices:mail-detail", "POST, a notice named in the body"),
    ("intake:report-status", "POST"),
    ("intake:report-bank-consent", "POST"),
    # An unknown reference and one out of reach: the same form error (422).
    ("cases:case-merge", "POST, a case out of reach named in the body"),
}


# -- objects of no case ---------------------------------------------------------------------


def _unscoped(who: str, request: Any, ok: int, unknown: tuple[int, str] = (404, "")) -> Probe:
    return Probe(set(), ok, scenarios=(UNSCOPED,), request=request, insider=who, unknown=unknown)


def _user(route: str, data: Any = None, method: str = "POST") -> Any:
    def make(t: Target) -> Req:
        pk = t.users["analyst"].pk
        req = page(method, route, f"users/{pk}", data, user_id=pk)
        return replace(req, unknown_key="users/999999")

    return make


def _bank(route: str, method: str = "GET") -> Any:
    def make(t: Target) -> Req:
        slug = t.world.match.entry.bank.slug
        return replace(page(method, route, slug, slug=slug), unknown_key="no-such-bank")

    return make


def _platform(route: str, method: str = "GET") -> Any:
    return lambda t: page(method, route, (key := str(t.world.platform.id)), platform_id=key)


def _partner(route: str, method: str = "GET") -> Any:
    return lambda t: page(method, route, (key := str(t.world.partner.id)), partner_id=key)


def _platform_api(method: str, suffix: str = "", data: Any = None) -> Any:
    return lambda t: api(method, f"/platforms/{(k := t.world.platform.id)}{suffix}", str(k), data)


def _mailed(method: str, data: Any = None) -> Any:
    def make(t: Target) -> Req:
        key = str(t.world.mailed.id)
        return page(method, "intake:mail-intake-detail", key, data, mailed_report_id=key)

    return make


# The legal bases are the published taxonomy: an unknown code is a field error (docs/api.md).
UNKNOWN_CODE = (422, "invalid")


def _basis(method: str) -> Any:
    def make(t: Target) -> Req:
        if method == "DELETE":
            confirm_legal_basis(BASIS, actor=t.users["coordinator"], note=LEGAL_NOTE)
        path = f"/legal-bases/{BASIS}/confirmation"
        return api(method, path, BASIS, {"note": LEGAL_NOTE}, unknown_key="XX-NONE/1")

    return make


def _bank_switch(t: Target) -> Req:
    slug = t.world.match.entry.bank.slug
    body = {"is_enabled": False}
    return api("PATCH", f"/banks/{slug}", slug, body, unknown_key="no-such-bank")


def _support_line(method: str, data: Any = None) -> Any:
    """A support line shown to victims: the organisation's, so the role is the whole rule."""
    route = "organisation:support-line-edit"
    return lambda t: page(
        method, route, (key := str(t.world.support_line.id)), data, support_line_id=key
    )


def _import(route: str, method: str = "GET") -> Any:
    """A spreadsheet import: organisation-wide intake work, so the role is the whole rule."""
    return lambda t: page(method, route, (key := str(t.world.spreadsheet.id)), import_id=key)


def _annual(route: str, method: str = "GET", **kwargs: str) -> Any:
    """Last year's annual report: organisation-wide figures, so the role is the whole rule;
    a year without a report (1999) is unknown."""

    def make(t: Target) -> Req:
        year = str(timezone.localdate().year - 1)
        req = page(method, route, f"annual-report/{year}", year=year, **kwargs)
        return replace(req, unknown_key="annual-report/1999")

    return make


def _annual_finalise(t: Target) -> Req:
    from flagdesk.organisation.services.designations import current_organisation

    org = current_organisation()
    org.independence_procedures = "No member of our board works for a platform."
    org.save(update_fields=["independence_procedures"])
    year = timezone.localdate().year - 1
    key = f"annual-report/{year}"
    req = api("POST", f"/stats/{key}/finalise", key)
    return replace(req, unknown_key="annual-report/1999")


WHY_ADMIN = {"reason": "Asked by the team lead."}
TOKEN = {"name": "bot", "scope": "read", "expires_days": "30"}
VLOP = {"vlop": True}
CHANNELS = {"channels": [{"type": "email", "address": "dsa@social.test"}]}
# Every administrator manages every account, every registry editor every platform, every
# staff bank reader every bank; the law is the same for everyone.
# fmt: off
UNSCOPED_PROBES: dict[tuple[str, str], Probe] = {
    # The dashboard's tables are named, not objects: any name the page offers opens for the
    # statistics roles, and a name it does not is "no such page".
    ("stats:table-csv", "GET"): _unscoped(
        "frank",
        lambda t: replace(
            page("GET", "stats:table-csv", "months", name="months"), unknown_key="no-such-table"
        ),
        200,
    ),
    # A mailed draft belongs to no case until it becomes a report: the role is the rule.
    ("intake:mail-intake-detail", "GET"): _unscoped("dave", _mailed("GET"), 200),
    ("intake:mail-intake-detail", "POST"): _unscoped(
        "dave", _mailed("POST", {"action": "discard", "discard_reason": "spam"}), 302
    ),
    # Every partner manager manages every partner.
    ("partners:partner-edit", "GET"): _unscoped("carol", _partner("partners:partner-edit"), 200),
    ("partners:partner-secret-rotate", "POST"): _unscoped(
        "carol", _partner("partners:partner-secret-rotate", "POST"), 200
    ),
    ("partners:partner-token-issue", "POST"): _unscoped(
        "erin", _partner("partners:partner-token-issue", "POST"), 200
    ),
    ("intake:import-detail", "GET"): _unscoped("dave", _import("intake:import-detail"), 200),
    ("intake:import-progress", "GET"): _unscoped("alice", _import("intake:import-progress"), 200),
    ("intake:import-confirm", "POST"): _unscoped(
        "dave", _import("intake:import-confirm", "POST"), 302
    ),
    ("api:get_import", "GET"): _unscoped(
        "dave", lambda t: api("GET", f"/imports/{(k := t.world.spreadsheet.id)}", str(k)), 200
    ),
    ("accounts:user-detail", "GET"): _unscoped(
        "erin", _user("accounts:user-detail", method="GET"), 200
    ),
    ("accounts:user-access", "POST"): _unscoped(
        "erin", _user("accounts:user-access", {"role": "analyst", **WHY_ADMIN}), 302
    ),
    ("accounts:user-active", "POST"): _unscoped(
        "erin", _user("accounts:user-active", {"active": "0", **WHY_ADMIN}), 302
    ),
    ("accounts:user-reset-factor", "POST"): _unscoped(
        "erin", _user("accounts:user-reset-factor", WHY_ADMIN), 302
    ),
    ("accounts:user-unlock", "POST"): _unscoped("erin", _user("accounts:user-unlock"), 302),
    ("accounts:user-end-sessions", "POST"): _unscoped(
        "erin", _user("accounts:user-end-sessions", WHY_ADMIN), 302
    ),
    ("accounts:user-password-link", "POST"): _unscoped(
        "erin", _user("accounts:user-password-link"), 302
    ),
    ("accounts:user-token-issue", "POST"): _unscoped(
        "erin", _user("accounts:user-token-issue", TOKEN), 200
    ),
    ("matching:bank-detail", "GET"): _unscoped("frank", _bank("matching:bank-detail"), 200),
    ("matching:bank-enable", "POST"): _unscoped("erin", _bank("matching:bank-enable", "POST"), 302),
    ("matching:bank-share", "POST"): _unscoped("erin", _bank("matching:bank-share", "POST"), 302),
    ("matching:bank-import", "GET"): _unscoped("erin", _bank("matching:bank-import"), 200),
    ("matching:bank-export", "GET"): _unscoped("erin", _bank("matching:bank-export"), 200),
    ("platforms:platform-edit", "GET"): _unscoped(
        "erin", _platform("platforms:platform-edit"), 200
    ),
    ("platforms:platform-hash-matching", "POST"): _unscoped(
        "erin", _platform("platforms:platform-hash-matching", "POST"), 302
    ),
    ("platforms:platform-domains-add", "GET"): _unscoped(
        "erin", _platform("platforms:platform-domains-add"), 200
    ),
    ("api:update_platform", "PATCH"): _unscoped("erin", _platform_api("PATCH", "", VLOP), 200),
    ("api:replace_channels", "PUT"): _unscoped(
        "erin", _platform_api("PUT", "/channels", CHANNELS), 200
    ),
    ("api:make_inbound_secret", "POST"): _unscoped(
        "erin", _platform_api("POST", "/inbound-secret"), 200
    ),
    ("api:add_platform_domains", "POST"): _unscoped(
        "erin", _platform_api("POST", "/domains", {"domains": ["soc.test"]}), 201
    ),
    ("api:confirm_basis", "POST"): _unscoped("carol", _basis("POST"), 201, UNKNOWN_CODE),
    ("api:withdraw_basis_confirmation", "DELETE"): _unscoped(
        "carol", _basis("DELETE"), 200, UNKNOWN_CODE
    ),
    ("api:update_bank", "PATCH"): _unscoped("erin", _bank_switch, 200),
    # The annual report is the organisation's: a year is no object of anyone's case.
    ("stats:annual-detail", "GET"): _unscoped("carol", _annual("stats:annual-detail"), 200),
    ("stats:annual-download", "GET"): _unscoped(
        "frank", _annual("stats:annual-download", fmt="csv"), 200
    ),
    ("stats:annual-finalise", "GET"): _unscoped("carol", _annual("stats:annual-finalise"), 200),
    ("api:finalise_annual_report", "POST"): _unscoped(
        "carol", _annual_finalise, 201, (422, "invalid")
    ),
    # Every support-line manager manages every line; the list's buttons post to the line.
    ("organisation:support-line-edit", "GET"): _unscoped("carol", _support_line("GET"), 200),
    ("organisation:support-line-edit", "POST, deactivate it"): _unscoped(
        "erin", _support_line("POST", {"action": "deactivate"}), 302
    ),
}
# fmt: on
