"""The staff menu, who may open a page, and where each account lands after login.

Who may open a page is not written here: ``role_required`` records the roles on each view,
and ``may_open`` resolves a route to its view and asks it. The menu names routes by their URL
names only, so this module imports no app above accounts (S1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.urls import resolve, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import User
from .permissions import allowed_roles
from .policy import second_factor_passed


@dataclass(frozen=True)
class MenuEntry:
    route: str
    label: str | Promise
    # Further routes on which this entry is the current one (the pages it leads to).
    also_current: tuple[str, ...] = ()

    def is_current(self, view_name: str) -> bool:
        return view_name == self.route or view_name in self.also_current


# The staff menu, in the order it is shown; the first entry a role may open is its landing.
STAFF_MENU = (
    MenuEntry("workbench:queue", _("Workbench")),
    # One entry for the intake channels; the hub leads to each page the user may open.
    MenuEntry(
        "intake:intake-hub",
        _("Intake"),
        also_current=(
            "intake:phone-report",
            "intake:phone-receipt",
            "intake:mail-intake-list",
            "intake:mail-intake-detail",
            "intake:import",
            "intake:import-detail",
        ),
    ),
    MenuEntry("cases:review-queue", _("Reviews")),
    MenuEntry("cases:approved", _("Approved")),
    MenuEntry("cases:my-tasks", _("My tasks")),
    MenuEntry("notices:notice-list", _("Notices")),
    MenuEntry("notices:follow-up-queue", pgettext_lazy("menu", "Follow-up")),
    MenuEntry("monitoring:rechecks", _("Re-checks")),
    # Platforms' answers to notices; not the intake mailbox (mails from the public).
    MenuEntry("notices:mail-list", _("Platform answers")),
    MenuEntry("notices:quality", _("Quality")),
    MenuEntry(
        "stats:dashboard",
        _("Statistics"),
        also_current=(
            "stats:tdb",
            "stats:annual-list",
            "stats:annual-detail",
            "stats:annual-finalise",
        ),
    ),
    MenuEntry("platforms:platform-list", _("Platforms")),
    MenuEntry("partners:partner-list", _("Partners")),
    MenuEntry("matching:bank-list", _("Banks")),
    MenuEntry("matching:hash-lookup", _("Look up")),
    MenuEntry("organisation:legal-bases", _("Legal bases")),
    MenuEntry(
        "organisation:organisation-edit",
        _("Organisation"),
        # The support lines shown to victims are settings of the organisation.
        also_current=(
            "organisation:support-lines",
            "organisation:support-line-add",
            "organisation:support-line-edit",
            "organisation:statistics-settings",
        ),
    ),
    MenuEntry("intake:subject-search", _("Data subjects")),
    MenuEntry("accounts:user-list", _("Users")),
    MenuEntry("audit:entry-list", _("Audit trail")),
)
ACCOUNT_ROUTE = "accounts:account"


def route_roles(route: str, *args: Any) -> frozenset[str] | None:
    """The roles the view behind ``route`` lets in; None when it guards no role."""
    return allowed_roles(resolve(reverse(route, args=args or None)).func)


def may_open(user: User | AnonymousUser, route: str, *args: Any) -> bool:
    """Whether ``user`` gets past the role check of the page at ``route``.

    A page that checks no role is open to every logged-in user. Object-level checks inside
    a view (four eyes, a status) are the caller's to mirror.
    """
    if not user.is_authenticated:
        return False
    roles = route_roles(route, *args)
    return roles is None or user.has_any_role(*roles)


def menu_for(user: User | AnonymousUser) -> list[MenuEntry]:
    """The pages ``user`` may open; none before the session's second factor."""
    if not second_factor_passed(user):
        return []
    return [entry for entry in STAFF_MENU if may_open(user, entry.route)]


def landing_url(user: User | AnonymousUser) -> str:
    """The first menu page the user may open; the account page for a role with none."""
    entries = menu_for(user)
    return reverse(entries[0].route if entries else ACCOUNT_ROUTE)
