"""``flagdesk demo``: loads the fictional demo data of ``flagdesk.site.demo`` (idempotent)."""

from __future__ import annotations

import base64
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.accounts.models import TotpDevice, User
from flagdesk.accounts.services import add_user, issue_token
from flagdesk.cases import demo as demo_cases
from flagdesk.cases.models import Assessment, Item
from flagdesk.cases.services import review_assessment, set_item_identifiers, submit_assessment
from flagdesk.core import taxonomy
from flagdesk.intake import demo as demo_intake
from flagdesk.intake.models import Report
from flagdesk.intake.services import ReportSubmission, submit_report
from flagdesk.matching import demo as demo_matching
from flagdesk.monitoring import demo as demo_monitoring
from flagdesk.notices.models import Notice, NoticeResponse
from flagdesk.notices.outbox import claim, mark_sent
from flagdesk.notices.services import queue_notices, record_response
from flagdesk.organisation import demo as demo_organisation
from flagdesk.organisation.services import DesignationInput, update_organisation
from flagdesk.partners import demo as demo_partners
from flagdesk.platforms.channels import Delivery
from flagdesk.platforms.models import Platform
from flagdesk.platforms.services import add_platform
from flagdesk.site import demo_follow_through
from flagdesk.site.demo import (
    DEMO_DELIVERY,
    DEMO_DEVICE,
    DEMO_WORKER,
    DESIGNATED_ON,
    EQUALITY_PHENOMENA,
    FACTS_ON,
    MARKER_PLATFORM,
    MARKER_USER,
    MINORS_CLEARED,
    ORG_EMAIL,
    ORG_NAME,
    PERSONAS,
    PLATFORMS,
    REPORTS,
    DemoReport,
    demo_basis,
    demo_password,
    demo_reasons,
    demo_totp_key,
)


class Command(BaseCommand):
    help = (
        "Load fictional demo data (users, platforms, reports in several states); idempotent. "
        "--code USER prints a demo user's current second-factor code."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--code",
            metavar="USER",
            help="print the current authenticator code of a demo user (demo accounts only)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("code"):
            self.stdout.write(self._code(options["code"]))
            return
        if self._is_loaded():
            self._ensure_authenticators()
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

    def _code(self, username: str) -> str:
        device = TotpDevice.objects.filter(
            user__username=username, name=DEMO_DEVICE, confirmed=True
        ).first()
        if device is None:
            raise CommandError(
                _(
                    "%(username)s has no demo authenticator: codes are printed only for the "
                    "demo's own accounts. Everyone else uses their authenticator app."
                )
                % {"username": username}
            )
        totp = device.totp()
        return f"{totp.token():06d}"

    def _ensure_authenticators(self) -> None:
        """Demo users loaded before second factors existed get their demo authenticator."""
        for user in User.objects.filter(username__in=PERSONAS, totpdevice__isnull=True):
            self._enrol(user)

    @staticmethod
    def _enrol(user: User) -> None:
        TotpDevice.objects.create(
            user=user, name=DEMO_DEVICE, confirmed=True, key=demo_totp_key(user.username)
        )

    def _load(self) -> tuple[str, dict[str, int]]:
        users = {
            name: add_user(
                name,
                role=role,
                email=f"{name}@demo-flagdesk.example",
                password=demo_password(name),
                # The demo's analysts work for a hotline too: its minors' cases are theirs.
                minors_clearance=role in MINORS_CLEARED,
            )
            for name, role in PERSONAS.items()
        }
        for user in users.values():
            self._enrol(user)
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
        # Fictional helplines the status page recommends to victims.
        support = demo_organisation.load(users["carol"])
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
        demo_follow_through.load_registry(users["carol"])
        items: set[Item] = set()
        to_notify: list[Item] = []
        to_remove: list[Item] = []
        firsts: list[tuple[DemoReport, Item]] = []
        for demo in REPORTS:
            if demo.by_phone:  # taken by Dave on the phone line, with the call's log
                submitted = demo_intake.take_call(_submission(demo), officer=users["dave"])
            else:
                submitted = submit_report(_submission(demo))
            items.update(submitted.items)
            item = submitted.items[0]
            firsts.append((demo, item))
            self._advance(item, demo, users)
            if demo.outcome == "notified":
                to_notify.append(item)
            elif demo.outcome == "removed":
                to_remove.append(item)
        notices = self._notify(to_notify, to_remove, users)
        monitoring = demo_monitoring.load(removed=to_remove[0], notified=to_notify[0])
        # A removed report a visitor can follow on the status page (its code is printed).
        demo_intake.make_followable(
            Report.objects.filter(items=to_remove[0]).earliest("created_at")
        )
        by_url = {demo.urls[0]: item for demo, item in firsts}
        matching = demo_matching.load(
            users,
            known=by_url["https://snapchatter.example/story/demo-1008"],
            reupload=by_url["https://chirp.example/demo_reuploader/status/1013"],
        )
        partners = demo_partners.load(
            users, item=next(item for demo, item in firsts if demo.outcome == "new")
        )
        intake = demo_intake.load(users)  # a call back with a referral; a mail to triage
        # A case of two items (one recording on two platforms) with a note and a task for alice.
        casework = demo_cases.load(users, case=by_url["https://photogram.example/p/demo-1011"].case)
        # The facts for the statistics on the demo's cases (age, school level, gender...).
        casework |= demo_cases.load_facts(users, items_by_url=by_url)
        token = issue_token(users["pat"], name="demo")
        summary = {
            "users": len(users),
            "platforms": Platform.objects.count(),
            "reports": len(REPORTS),
            "items": len(items),
            "notices": notices,
            **matching,
            **monitoring,
            **partners,
            **intake,
            **casework,
            **support,
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
            basis = demo_basis(pheno)
            assessment = submit_assessment(
                item,
                actor=users["alice"],
                verdict=Assessment.Verdict.ILLEGAL,
                phenomenon=demo.phenomenon,
                content_type=demo.content_type,
                legal_bases=[basis.code],
                reasons=demo.reasons or demo_reasons(demo, basis),
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
        settled: list[Notice] = []
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
            settled.append(notice)
        demo_follow_through.load_replies(settled)
        return len(queued) + len(decided)

    def _print_access(self, *, created: bool) -> None:
        base = settings.BASE_URL.rstrip("/")
        self.stdout.write("")
        self.stdout.write(_("flagdesk: %(url)s") % {"url": f"{base}/"})
        self.stdout.write(_("Public report form: %(url)s") % {"url": f"{base}/report"})
        self.stdout.write(_("Staff login: %(url)s") % {"url": f"{base}/login"})
        followable = demo_intake.followable_report()
        if followable is not None:
            self.stdout.write(
                _("Follow a demo report at %(url)s: reference %(reference)s, receipt code %(code)s")
                % {
                    "url": f"{base}/report/status",
                    "reference": followable.reference,
                    "code": demo_intake.DEMO_RECEIPT_CODE,
                }
            )
        self.stdout.write("")
        if not created:
            self.stdout.write(_("Demo logins (unless their passwords were changed since):"))
        else:
            self.stdout.write(_("Demo logins:"))
        rows = [(_("username"), _("role"), _("password"), _("authenticator key"))]
        rows += [
            (name, str(role.value), demo_password(name), _base32(demo_totp_key(name)))
            for name, role in PERSONAS.items()
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        for row in rows:
            line = "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
            self.stdout.write(line.rstrip())
        self.stdout.write("")
        self.stdout.write(
            _(
                "Second factor: after the password, flagdesk asks for a code. Print the current "
                "code of a demo user with: %(command)s (or add the key above to an authenticator "
                "app)."
            )
            % {"command": ".venv/bin/flagdesk demo --code alice"}
        )


def _base32(hex_key: str) -> str:
    return base64.b32encode(bytes.fromhex(hex_key)).decode().rstrip("=")


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
