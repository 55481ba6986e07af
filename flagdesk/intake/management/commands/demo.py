"""``flagdesk demo``: fictional demo data, loaded through the real services (idempotent).

Everything goes through the same services the web and the API use (add_user, add_platform,
submit_report, submit_assessment, review_assessment, queue_notices, record_response), so the
demo shows real states and writes real events and audit entries. All names, hosts and texts are
fictional: platforms live under ``.example`` (reserved, never resolves) and reports describe
content neutrally. ``make run`` calls this on every start, so a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.accounts.models import Role, User
from flagdesk.accounts.services import add_user, issue_token
from flagdesk.cases.models import Assessment, Item
from flagdesk.cases.services import review_assessment, set_item_identifiers, submit_assessment
from flagdesk.core import taxonomy
from flagdesk.intake.models import Report
from flagdesk.intake.services import ReportSubmission, submit_report
from flagdesk.matching import demo as demo_matching
from flagdesk.notices.channels import Delivery
from flagdesk.notices.models import NoticeResponse
from flagdesk.notices.outbox import claim, mark_sent
from flagdesk.notices.services import queue_notices, record_response
from flagdesk.organisation.services import DesignationInput, update_organisation
from flagdesk.platforms.models import Platform
from flagdesk.platforms.services import add_platform

ORG_NAME = "Institut fictif pour l'égalité (démo)"
ORG_EMAIL = "flagger@demo-flagdesk.example"
DESIGNATED_ON = dt.date(2026, 7, 3)
# When the demo's content was posted: the date of the facts picks the legal texts in force
# (the 1867 Criminal Code's numbering, before the new code took effect).
FACTS_ON = dt.date(2026, 8, 24)
EQUALITY_PHENOMENA = (
    "gender_hate_speech",
    "incitement_violence_gender",
    "ncii",
    "sexual_deepfake",
    "cyber_harassment",
    "cyberstalking",
    "cyberflashing",
    "doxing",
    "sextortion",
)
# username -> role; the test personas of conftest.py, so the demo matches what tests call them.
PERSONAS = {
    "alice": Role.ANALYST,
    "bob": Role.REVIEWER,
    "carol": Role.COORDINATOR,
    "dave": Role.INTAKE,
    "erin": Role.ADMIN,
    "frank": Role.AUDITOR,
    "pat": Role.PARTNER,
}
# The demo's one decided notice is settled without a mail: its outbox row says so.
DEMO_WORKER = "demo"
DEMO_DELIVERY = "demo: recorded as sent; no mail left this machine"
# The marker: both exist only after a complete load (the load is one transaction).
MARKER_USER, MARKER_PLATFORM = "alice", "Chirp"


def demo_password(username: str) -> str:
    return f"demo-{username}-2026"


@dataclass(frozen=True)
class DemoPlatform:
    name: str
    domain: str
    languages: tuple[str, ...]
    is_vlop: bool = False
    accepts_hash_matching: bool = False


PLATFORMS = (
    DemoPlatform("Chirp", "chirp.example", ("en", "fr", "nl", "de"), is_vlop=True),
    DemoPlatform("PhotoGram", "photogram.example", ("en", "nl"), is_vlop=True),
    DemoPlatform("ClipTube", "cliptube.example", ("en", "de")),
    DemoPlatform("Threadly", "threadly.example", ("de", "en")),
    DemoPlatform("FaceSpace", "facespace.example", ("fr", "en"), is_vlop=True),
    DemoPlatform("PinBoard", "pinboard.example", ("en",)),
    DemoPlatform("ForumHub", "forumhub.example", ("nl", "fr")),
    DemoPlatform(
        "Snapchatter", "snapchatter.example", ("fr", "nl", "de", "en"), accepts_hash_matching=True
    ),
)


@dataclass(frozen=True)
class DemoReport:
    """One fictional report and how far the demo takes its first item."""

    urls: tuple[str, ...]
    phenomenon: str
    language: str
    role: str
    # new|awaiting_review|sent_back|approved|not_illegal|notified (queued)|removed
    outcome: str
    facts: str
    reporter: tuple[str, str, str] | None = None  # (name, email, phone); None = anonymous
    age_band: str = ""
    gender: str = ""
    by_phone: bool = False
    # What the analyst sees at the URL (an API alias: image, video, text...); the assessment
    # records it, and the notice tells the platform. Not the phenomenon's default: a deepfake
    # may be a picture or a video.
    content_type: str = "text"
    # The analyst's judgement that the person depicted or targeted appears to be a minor.
    minor: bool = False
    # Art. 16(2)(b) identifiers the analyst recorded: (post id, account).
    identifiers: tuple[str, str] | None = None
    # Reasons written in the platform's notice language; empty: the English demo text.
    reasons: str = ""


_R = DemoReport
# One report per entry; a table reads better here than one argument per line.
# fmt: off
REPORTS = (
    _R(("https://chirp.example/demo_account/status/1001",), "gender_hate_speech", "fr", "witness",
       "new", "a public post insults a named woman because of her gender."),
    _R(("https://photogram.example/p/demo-1002",), "ncii", "nl", "victim", "notified",
       "a post shares a private photo without consent.",
       ("Lotte Voorbeeld", "lotte@mail.example", ""), "25-34", "female", content_type="image",
       identifiers=("demo-1002", "@demo_sharer")),
    _R(("https://cliptube.example/watch?v=demo1003",), "sexual_deepfake", "en", "victim",
       "approved", "a video presents a manipulated intimate image of the reporter.",
       ("Jane Sample", "jane.sample@mail.example", ""), "18-24", "female", content_type="video"),
    _R(("https://threadly.example/t/demo-1004",), "doxing", "de", "victim", "awaiting_review",
       "a thread publishes the reporter's home address and phone number.",
       ("Erika Muster", "", "+32 2 000 00 00"), "35-49", "female", by_phone=True),
    _R(("https://facespace.example/posts/demo-1005",), "cyber_harassment", "fr", "parent",
       "sent_back", "an account posts hostile comments under every photo of the reporter's child.",
       None, "18-24", "female"),
    _R(("https://pinboard.example/pin/demo-1006",), "cyberstalking", "en", "professional",
       "awaiting_review", "a board collects photos and location check-ins of one person.",
       ("Sam Example", "sam@support.example", ""), "25-34", "female", content_type="image"),
    _R(("https://forumhub.example/thread/demo-1007",), "incitement_violence_gender", "nl",
       "witness", "notified", "a thread calls on readers to attack women speaking at an event.",
       identifiers=("post-88213", "demo_agitator"),
       reasons="Fictieve demobeoordeling. De draad roept lezers op om vrouwen die op een "
       "evenement spreken aan te vallen, en noemt de datum en de plaats van dat evenement. Dat "
       "is een openbare oproep tot geweld tegen personen omwille van hun geslacht: elk "
       "bestanddeel van het misdrijf is vervuld. Er is geen echte persoon betrokken; deze "
       "tekst toont alleen de werkwijze."),
    _R(("https://snapchatter.example/story/demo-1008",), "sextortion", "en", "victim", "removed",
       "an account threatens to share private images unless the reporter pays.",
       ("Alex Demo", "alex.demo@mail.example", ""), "18-24", "male", content_type="image",
       reasons="Évaluation fictive de démonstration. Le compte menace de diffuser des images "
       "intimes de la personne si elle ne paie pas, et en montre une pour prouver qu'il les "
       "détient. Menacer de révéler des images intimes pour obtenir de l'argent réunit chaque "
       "élément de l'infraction, et la diffusion se fait sans consentement. Aucune personne "
       "réelle n'est concernée; ce texte ne montre que le déroulement."),
    _R(("https://chirp.example/demo_other/status/1009",), "cyberflashing", "de", "victim", "new",
       "an account sends unsolicited sexual images in replies to the reporter.",
       None, "25-34", "female", content_type="image"),
    _R(("https://unknown-board.example/t/1",), "gender_hate_speech", "fr", "witness", "new",
       "a message board not yet in the platform registry hosts a sexist post."),
    _R(("https://photogram.example/p/demo-1011",
        "https://cliptube.example/watch?v=demo1011&utm_source=share"), "ncii", "fr", "victim",
       "new", "the same private recording is shared on two platforms without consent.",
       ("Camille Exemple", "camille@mail.example", ""), "25-34", "non_binary",
       content_type="video"),
    _R(("https://forumhub.example/thread/demo-1012",), "gender_hate_speech", "en", "witness",
       "not_illegal", "a post criticises a gender-equality policy in strong but lawful terms."),
    # The picture of demo-1008 again, resized and re-compressed: matched by its PDQ hash.
    _R(("https://chirp.example/demo_reuploader/status/1013",), "sextortion", "en", "victim",
       "new", "the same private image as before, posted again by another account.",
       ("Alex Demo", "alex.demo@mail.example", ""), "18-24", "male", content_type="image"),
    # A minor targeted: child-protection keywords, no media kept, the case marked.
    _R(("https://snapchatter.example/story/demo-1014",), "sextortion", "en", "parent",
       "awaiting_review", "an account demands money from a 15-year-old boy, threatening to "
       "send a private picture of him to his classmates.", None, "13-17", "male", minor=True),
    # A second report of the first URL (tracking parameter aside) joins its open item.
    _R(("https://chirp.example/demo_account/status/1001?utm_campaign=demo",),
       "gender_hate_speech", "en", "witness", "new", "the same post, seen by someone else."),
)
# fmt: on


def _basis(phenomenon: taxonomy.Phenomenon) -> taxonomy.LegalBasis:
    """The phenomenon's first national basis in force on the demo's date of the facts,
    preferring one that needs no coordinator's confirmation (so its notice may go out)."""
    national = [b for b in phenomenon.bases_in_force(FACTS_ON) if not b.is_context_only]
    return next((b for b in national if not b.verify), national[0])


def _reasons(report: DemoReport, basis: taxonomy.LegalBasis) -> str:
    return (
        f"Fictional demo assessment. Facts: {report.facts} The analyst opened the page and "
        f"confirmed the facts described by the reporter. Legal qualification: "
        f"{basis.label('en')}. "
        "Each element is met: the content is publicly accessible in Belgium, it concerns an "
        "identifiable person, and that person did not agree to it. No real person is involved; "
        "this text only shows the workflow."
    )


class Command(BaseCommand):
    help = "Load fictional demo data (users, platforms, reports in several states); idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        if self._is_loaded():
            self.stdout.write(_("Demo data already loaded; nothing changed."))
            self._print_access(created=False)
            return
        with transaction.atomic():
            token, summary = self._load()
        self.stdout.write(
            _(
                "Demo data loaded: %(users)d users, %(platforms)d platforms, %(reports)d reports "
                "with %(items)d items, %(notices)d notices; hash banks: %(banks)d with "
                "%(entries)d hashes; re-uploads matched: %(matches)d."
            )
            % summary
        )
        self._print_access(created=True)
        self.stdout.write(
            _("API token for pat (partner), shown only now: %(token)s") % {"token": token}
        )

    def _is_loaded(self) -> bool:
        has_user = User.objects.filter(username=MARKER_USER).exists()
        has_platform = Platform.objects.filter(name=MARKER_PLATFORM).exists()
        if has_user and has_platform:
            return True
        names = [p.name for p in PLATFORMS]
        taken = [u.username for u in User.objects.filter(username__in=PERSONAS).order_by("pk")]
        taken += [p.name for p in Platform.objects.filter(name__in=names).order_by("name")]
        if taken:
            raise CommandError(
                _(
                    "This database already has users or platforms the demo would create "
                    "(%(names)s) but not the complete demo; load the demo into an empty database."
                )
                % {"names": ", ".join(taken)}
            )
        return False

    def _load(self) -> tuple[str, dict[str, int]]:
        users = {
            name: add_user(
                name,
                role=role,
                email=f"{name}@demo-flagdesk.example",
                password=demo_password(name),
            )
            for name, role in PERSONAS.items()
        }
        update_organisation(
            actor=users["erin"],
            name=ORG_NAME,
            email=ORG_EMAIL,
            designations=[
                DesignationInput(
                    authority="BIPT", designated_on=DESIGNATED_ON, phenomena=EQUALITY_PHENOMENA
                )
            ],
            independence_procedures=(
                "Fictional demo text: analysts declare conflicts of interest per case and a "
                "second person reviews every assessment before a notice is sent."
            ),
        )
        for p in PLATFORMS:
            add_platform(
                actor=users["carol"],
                name=p.name,
                domains=[p.domain],
                notice_address=f"dsa-notices@{p.domain}",
                languages=p.languages,
                is_vlop=p.is_vlop,
                accepts_hash_matching=p.accepts_hash_matching,
            )
        items: set[Item] = set()
        to_notify: list[Item] = []
        to_remove: list[Item] = []
        firsts: list[tuple[DemoReport, Item]] = []
        for demo in REPORTS:
            intake_officer = users["dave"] if demo.by_phone else None
            submitted = submit_report(_submission(demo), actor=intake_officer)
            items.update(submitted.items)
            item = submitted.items[0]
            firsts.append((demo, item))
            self._advance(item, demo, users)
            if demo.outcome == "notified":
                to_notify.append(item)
            elif demo.outcome == "removed":
                to_remove.append(item)
        notices = self._notify(to_notify, to_remove, users)
        by_url = {demo.urls[0]: item for demo, item in firsts}
        matching = demo_matching.load(
            users,
            known=by_url["https://snapchatter.example/story/demo-1008"],
            reupload=by_url["https://chirp.example/demo_reuploader/status/1013"],
        )
        token = issue_token(users["pat"], name="demo")
        summary = {
            "users": len(users),
            "platforms": len(PLATFORMS),
            "reports": len(REPORTS),
            "items": len(items),
            "notices": notices,
            **matching,
        }
        return token, summary

    def _advance(self, item: Item, demo: DemoReport, users: dict[str, User]) -> None:
        """Take the item through assessment and review as far as ``demo.outcome`` says."""
        if demo.outcome == "new":
            return
        pheno = taxonomy.phenomena()[demo.phenomenon]
        if demo.outcome == "not_illegal":
            assessment = submit_assessment(
                item,
                actor=users["alice"],
                verdict=Assessment.Verdict.NOT_ILLEGAL,
                phenomenon=demo.phenomenon,
                content_type=demo.content_type,
                reasons="Fictional demo assessment: sharp criticism of a policy, no person is "
                "targeted and no offence is made out.",
            )
        else:
            if demo.identifiers:
                post_id, account = demo.identifiers
                set_item_identifiers(
                    item,
                    actor=users["alice"],
                    changes={
                        "post_id": post_id,
                        "account": account,
                        "posted_at": f"{FACTS_ON.isoformat()}T21:40:00+02:00",
                    },
                )
            basis = _basis(pheno)
            assessment = submit_assessment(
                item,
                actor=users["alice"],
                verdict=Assessment.Verdict.ILLEGAL,
                phenomenon=demo.phenomenon,
                content_type=demo.content_type,
                legal_bases=[basis.code],
                reasons=demo.reasons or _reasons(demo, basis),
                minor_depicted=demo.minor,
                facts_on=FACTS_ON,
            )
        if demo.outcome == "awaiting_review":
            return
        if demo.outcome == "sent_back":
            review_assessment(
                assessment,
                actor=users["bob"],
                approve=False,
                comment="Demo: please add when the comments were posted and cite art. 442bis.",
            )
            return
        review_assessment(assessment, actor=users["bob"], approve=True, comment="Demo: agreed.")

    def _notify(self, to_notify: list[Item], to_remove: list[Item], users: dict[str, User]) -> int:
        """Queue notices for the worker, and take one notice as far as a removal decision.

        ``record_response`` answers only sent notices, and the demo cannot reach a platform,
        so that one notice is settled through the outbox as a worker would settle it: claimed
        (one attempt) and marked sent, with a delivery record saying no mail left this
        machine, which its notice page shows. Its queued send task then finds the row already
        sent and does nothing. The other notices really wait for the worker.
        """
        queued = queue_notices(to_notify, actor=users["alice"])
        decided = queue_notices(to_remove, actor=users["alice"])
        now = timezone.now()
        for notice in decided:
            row = claim(notice.outbox.pk, worker=DEMO_WORKER, now=now)
            if row is None:  # not due or leased: nothing else can touch it before commit
                raise CommandError(
                    _("The demo could not settle notice %(ref)s.") % {"ref": notice.reference}
                )
            mark_sent(row, Delivery(reference=DEMO_DELIVERY, sent_at=now))
            record_response(
                notice,
                actor=users["carol"],
                kind=NoticeResponse.Kind.DECISION,
                decision=NoticeResponse.Decision.REMOVED,
                received_at=now,
                platform_reference="DEMO-DECISION-0001",
                statement="Fictional demo: the content was removed for all users.",
            )
        return len(queued) + len(decided)

    def _print_access(self, *, created: bool) -> None:
        base = settings.BASE_URL.rstrip("/")
        self.stdout.write("")
        self.stdout.write(_("flagdesk: %(url)s") % {"url": f"{base}/"})
        self.stdout.write(_("Public report form: %(url)s") % {"url": f"{base}/report"})
        self.stdout.write(_("Staff login: %(url)s") % {"url": f"{base}/login"})
        self.stdout.write("")
        if not created:
            self.stdout.write(_("Demo logins (unless their passwords were changed since):"))
        else:
            self.stdout.write(_("Demo logins:"))
        rows = [(_("username"), _("role"), _("password"))]
        rows += [(name, str(role.value), demo_password(name)) for name, role in PERSONAS.items()]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            line = "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
            self.stdout.write(line.rstrip())


def _submission(demo: DemoReport) -> ReportSubmission:
    name, email, phone = demo.reporter or ("", "", "")
    return ReportSubmission(
        urls=list(demo.urls),
        role=demo.role,
        language=demo.language,
        phenomenon=demo.phenomenon,
        description=f"Fictional demo report: {demo.facts}",
        is_anonymous=demo.reporter is None,
        reporter_name=name,
        reporter_email=email,
        reporter_phone=phone,
        victim_age_band=demo.age_band,
        victim_gender=demo.gender,
        has_consented=demo.reporter is not None,
        channel=Report.Channel.PHONE if demo.by_phone else Report.Channel.WEB,
    )
