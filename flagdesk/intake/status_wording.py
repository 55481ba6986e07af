"""The words of the public status page: each public status, each step of an address's
timeline, what we do next, a platform's answer, and general advice per phenomenon.

Plain words for a person who may be frightened or ashamed (docs/status-page.md): what
happened, what it means, what comes next. The codes are those of ``queries.PUBLIC_STATUS`` and
``public_timeline`` (``EVENTS``, ``NEXT_STEPS``), which the API returns as they are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from flagdesk.core import taxonomy

from .public_timeline import ItemTimeline

# What each public status means for the person who reported (queries.PUBLIC_STATUS).
STATUS_TEXT: dict[str, tuple[Promise, Promise]] = {
    "received": (
        _("Received"),
        _("We have your report. An analyst will look at it soon."),
    ),
    "in_review": (
        _("Being assessed"),
        _("An analyst is checking the content against the law; a second person confirms."),
    ),
    "notified": (
        _("Platform notified"),
        _("We asked the platform to remove the content and are waiting for its decision."),
    ),
    "removed": (
        _("Removed"),
        _("The platform removed the content."),
    ),
    "restricted": (
        _("Restricted, not removed"),
        _(
            "The platform restricted access to the content (for example in some countries, "
            "or by making it harder to find) but did not remove it."
        ),
    ),
    "refused": (
        _("Refused by the platform"),
        _("The platform decided not to act. We are looking at what else we can do."),
    ),
    "escalated": (
        _("Escalated"),
        _("The content stayed online, so we took the matter further."),
    ),
    "closed": (
        _("Closed"),
        _("We have finished our work on this report."),
    ),
    "not_actionable": (
        _("No action possible"),
        _(
            "After checking, we cannot ask for removal: the content does not seem illegal "
            "under the laws we apply, or it falls outside what we handle."
        ),
    ),
}

# One step of an address's timeline (public_timeline.EVENTS); %(platform)s is its name.
EVENT_TEXT: dict[str, Promise] = {
    "received": _("You reported this address to us."),
    "information_added": _("You added information to your report."),
    "copy_found": _("We found a copy of your picture at this address."),
    "in_review": _("An analyst started checking the content against the law."),
    "not_illegal": _(
        "Checked: the content does not appear to break the laws we apply, so we cannot ask "
        "for its removal."
    ),
    "out_of_scope": _(
        "Checked: this is outside what we can handle, so we cannot ask for its removal."
    ),
    "notice_sent": _(
        "We asked %(platform)s to remove the content, with a formal notice under the Digital "
        "Services Act."
    ),
    "reminder_sent": _("We reminded %(platform)s that it still has to decide."),
    "renotice_sent": _("We notified %(platform)s again."),
    "complaint_sent": _(
        "We lodged a complaint with %(platform)s against its decision, asking it to decide again."
    ),
    "dsc_complaint": _(
        "We complained about %(platform)s to the Digital Services Coordinator, the authority "
        "that supervises platforms."
    ),
    "removed": _("%(platform)s removed the content."),
    "restricted": _("%(platform)s restricted access to the content but did not remove it."),
    "refused": _("%(platform)s decided not to remove the content."),
    "gone_on_recheck": _("We checked the address again: the content is no longer online."),
    "still_online": _("We checked the address again: the content is still online."),
    "escalated": _("We took the matter further."),
    "closed": _("We finished our work on this address."),
}

# What we do next for an address (public_timeline.NEXT_STEPS).
NEXT_STEP_TEXT: dict[str, Promise] = {
    "assessment": _("An analyst will look at it soon."),
    "review": _(
        "We are checking the content against the law. A second person confirms the "
        "assessment before anything is sent to the platform."
    ),
    "await_decision": _(
        "The platform has to decide. We are waiting for its answer and check the address regularly."
    ),
    "follow_up": _(
        "We will remind the platform or notify it again, and take the matter further if it "
        "does not act."
    ),
    "watch": _(
        "We check the address again for a while to make sure the content stays offline. If "
        "you see it again, add the address below."
    ),
    "restricted": _(
        "The content may still be visible in some places or to some people. We are looking "
        "at whether more can be done."
    ),
    "consider_options": _(
        "We are looking at what else we can do: ask the platform to review its decision (a "
        "complaint under the Digital Services Act), notify it again with more information, "
        "or turn to the Digital Services Coordinator. This page will show each step."
    ),
    "follow_up_prepared": _(
        "We are preparing a further step with the platform. This page will show it once it is sent."
    ),
    "await_complaint": _("We are waiting for the platform to decide again."),
    "await_dsc": _("The Digital Services Coordinator is examining our complaint."),
    "await_outcome": _("We are waiting for the outcome."),
    "report_to_platform": _(
        "You can still report the content to the platform yourself, with its own reporting "
        "button. The services below can help you."
    ),
    "none": _("Nothing more is planned for this address."),
}

# A platform's decision (notices' Decision) in words a victim understands.
DECISION_TEXT: dict[str, Promise] = {
    "removed": _("Removed"),
    "disabled": _("Access disabled"),
    "restricted": _("Restricted"),
    "geo_blocked": _("Blocked in some countries"),
    "demoted": _("Made harder to find"),
    "account_suspended": _("Account suspended"),
    "refused": _("Refused"),
    "no_action": _("No action taken"),
}
GROUND_TEXT: dict[str, Promise] = {
    "illegal": _("The content is illegal."),
    "terms": _("The content is against the platform's terms and conditions."),
}
AUTOMATED_TEXT: dict[bool, Promise] = {
    True: _("The platform says it decided by automated means."),
    False: _("The platform says a person decided, not an automated system."),
}

# General advice, by kind of harm; a phenomenon gets its groups' advice (ADVICE_FOR).
ADVICE: dict[str, tuple[Promise, ...]] = {
    "threats": (
        _("Do not pay and stop answering: paying rarely ends the threats."),
        _(
            "Keep the messages, the account names and any payment request (screenshots with "
            "the date), then block the account."
        ),
    ),
    "images": (
        _("You are not to blame. Sharing intimate images without consent is a crime."),
        _(
            "Keep evidence: the addresses, screenshots with the date and time, the account "
            "names. Do not share the images themselves with anyone."
        ),
    ),
    "harassment": (
        _("Keep evidence: screenshots with the date and time, the addresses, the account names."),
        _("Block the accounts involved and check the privacy settings of your own accounts."),
    ),
    "exposed": (
        _(
            "If your address or phone number was published and you fear for your safety, "
            "contact the police."
        ),
    ),
    "hate": (
        _("You can also report the content to the platform with its own reporting button."),
        _("If a threat targets you or someone you know, contact the police."),
    ),
    "children": (
        _(
            "Do not share, forward or download the images, not even to report them: the "
            "address is enough."
        ),
        _("Stay calm with the child and listen: they are not to blame."),
    ),
    "complaint": (_("You can file a complaint with the police; the services below can help."),),
}
ADVICE_FOR: dict[str, tuple[str, ...]] = {
    "sextortion": ("threats", "images", "complaint"),
    "ncii": ("images", "complaint"),
    "sexual_deepfake": ("images", "complaint"),
    "cyberflashing": ("harassment", "complaint"),
    "cyber_harassment": ("harassment", "complaint"),
    "cyberstalking": ("harassment", "exposed", "complaint"),
    "doxing": ("exposed", "harassment"),
    "gender_hate_speech": ("hate",),
    "incitement_violence_gender": ("hate",),
    "sexting_minor": ("children", "complaint"),
    "grooming": ("children", "complaint"),
    "csam": ("children",),
    "csam_ai_generated": ("children",),
}
DANGER = _("If you or someone else is in immediate danger, call 112.")


def advice_for(phenomenon: str) -> list[Promise]:
    """The general advice for ``phenomenon`` (none for an unknown one), the emergency number
    last, always."""
    groups = ADVICE_FOR.get(phenomenon, ())
    return [line for group in groups for line in ADVICE[group]] + [DANGER]


@dataclass(frozen=True)
class ShownEvent:
    at: dt.datetime
    what: str
    text: str


@dataclass(frozen=True)
class ShownAnswer:
    platform: str
    decision: str
    decided_at: dt.datetime
    ground: str
    where: str
    automated: str


@dataclass(frozen=True)
class ShownItem:
    """One address as the status page shows it, in the reader's language."""

    url: str
    status: str
    label: str
    platform: str | None
    events: list[ShownEvent]
    answer: ShownAnswer | None
    next_step: str


def _where(codes: list[str]) -> str:
    if not codes:
        return ""
    if set(taxonomy.raw()["territorial_scope"]["EU"]) <= set(codes):
        return str(_("the whole European Union"))
    return ", ".join(codes)


def shown_item(item: ItemTimeline) -> ShownItem:
    """``item`` in words: each step's sentence, the platform's answer, what comes next."""
    events = [
        ShownEvent(e.at, e.what, str(EVENT_TEXT[e.what]) % {"platform": e.platform or ""})
        for e in item.events
    ]
    answer = None
    if (a := item.platform_answer) is not None:
        answer = ShownAnswer(
            platform=a.platform,
            decision=str(DECISION_TEXT.get(a.decision, a.decision)),
            decided_at=a.decided_at,
            ground=str(GROUND_TEXT[a.ground]) if a.ground in GROUND_TEXT else "",
            where=_where(a.territorial_scope),
            automated=str(AUTOMATED_TEXT[a.automated]) if a.automated is not None else "",
        )
    return ShownItem(
        url=item.url,
        status=item.status,
        label=str(STATUS_TEXT[item.status][0]),
        platform=item.platform,
        events=events,
        answer=answer,
        next_step=str(NEXT_STEP_TEXT[item.next_step]),
    )
