"""Editing the organisation's identity and its trusted-flagger designations.

The caller sends the full list of designations, as the page and ``PUT /organisation`` do. Each
entry is matched to a designation by ``id`` or, without one, by authority and designation date;
a match is edited in place (same UUID), an entry without a match is a new designation, and a
designation missing from the list is ended, not deleted. Every change writes one
``DesignationVersion`` (S7) and one audit entry.

Suspensions (art. 22(6)-(7) DSA) are dated, both dates included; the entry's dates describe
the latest suspension (a new one when they start after it ended). ``is_suspended`` without
``suspended_from`` suspends from today; ``is_suspended=False`` ends the suspension in force
yesterday, so marking resumes today (one lifted on its first day is kept as withdrawn). Dates
that would suspend today next to ``is_suspended=False`` are refused unless they are those of
the suspension being lifted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.audit.services import record
from flagdesk.core import taxonomy
from flagdesk.core.errors import ValidationFailed

from ..models import Designation, DesignationSuspension, DesignationVersion, Organisation

Kind = DesignationVersion.Kind
DESIGNATION_FIELDS = ("authority", "designated_on", "valid_until", "phenomena")


@dataclass(frozen=True)
class DesignationInput:
    authority: str
    designated_on: dt.date
    phenomena: Sequence[str]
    valid_until: dt.date | None = None
    is_suspended: bool = False
    id: UUID | None = None
    suspended_from: dt.date | None = None
    suspended_until: dt.date | None = None
    note: str = ""


def current_organisation() -> Organisation:
    """The singleton, created from FLAGDESK_ORG_NAME/FLAGDESK_ORG_EMAIL on first use."""
    org = Organisation.objects.prefetch_related("designations__suspensions").order_by("pk").first()
    if org is None:
        org = Organisation.objects.create(name=settings.ORG_NAME, email=settings.ORG_EMAIL)
    return org


def _validate(
    name: str, email: str, designations: Sequence[DesignationInput], existing: set[UUID]
) -> None:
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("Required.")]
    try:
        validate_email(email.strip())
    except DjangoValidationError:
        # The address goes into the From of every notice; a typo would silently break them.
        errors["email"] = [_("Enter a valid email address.")]
    known = taxonomy.phenomena()
    seen: set[UUID] = set()
    for i, d in enumerate(designations):
        if not d.authority.strip():
            errors[f"designations.{i}.authority"] = [_("Required.")]
        if unknown := [p for p in d.phenomena if p not in known]:
            errors[f"designations.{i}.phenomena"] = [
                _("Unknown phenomena: %(codes)s.") % {"codes": ", ".join(unknown)}
            ]
        if d.valid_until and d.valid_until < d.designated_on:
            errors[f"designations.{i}.valid_until"] = [_("Ends before it starts.")]
        if d.suspended_until and (d.suspended_from is None and not d.is_suspended):
            errors[f"designations.{i}.suspended_from"] = [
                _("Give the first day of the suspension.")
            ]
        elif d.suspended_from and d.suspended_until and d.suspended_until < d.suspended_from:
            errors[f"designations.{i}.suspended_until"] = [_("Ends before it starts.")]
        if len(d.note) > 500:
            errors[f"designations.{i}.note"] = [_("At most %(limit)d characters.") % {"limit": 500}]
        if d.id is not None:
            if d.id not in existing:
                errors[f"designations.{i}.id"] = [
                    _("No current designation has this id; leave it out to add a designation.")
                ]
            elif d.id in seen:
                errors[f"designations.{i}.id"] = [_("This designation is listed twice.")]
            seen.add(d.id)
    if errors:
        raise ValidationFailed(_("The organisation settings are not valid."), fields=errors)


def _match(
    inputs: Sequence[DesignationInput], current: list[Designation]
) -> list[tuple[DesignationInput, Designation | None]]:
    """Pair each entry with the designation it edits: by id, else by authority and date."""
    by_id = {d.id: d for d in current}
    taken = {i.id for i in inputs if i.id is not None}
    pairs: list[tuple[DesignationInput, Designation | None]] = []
    for entry in inputs:
        if entry.id is not None:
            pairs.append((entry, by_id[entry.id]))
            continue
        match = next(
            (
                d
                for d in current
                if d.id not in taken
                and d.authority == entry.authority.strip()
                and d.designated_on == entry.designated_on
            ),
            None,
        )
        if match is not None:
            taken.add(match.id)
        pairs.append((entry, match))
    return pairs


class _Writer:
    """Applies changes to one designation, one version per change."""

    def __init__(self, actor: User, now: dt.datetime) -> None:
        self.actor, self.now, self.today = actor, now, timezone.localdate(now)
        self.versions: list[DesignationVersion] = []

    def version(self, d: Designation, kind: str, changed: list[str], note: str = "") -> None:
        if d._state.adding:
            d.save()
        else:
            d.version += 1
            d.save()
        d.refresh_from_db()  # re-reads suspensions for the state below
        version = DesignationVersion.objects.create(
            designation=d,
            number=d.version,
            kind=kind,
            recorded_at=self.now,
            recorded_by=self.actor,
            changed=changed,
            state=d.state(),
            note=note[:500],
        )
        self.versions.append(version)
        record(
            f"designation.{kind}",
            actor=self.actor,
            target=f"designation:{d.id}",
            reason=note[:500],
            data={"version": version.number, "changed": changed},
        )

    def create(self, org: Organisation, entry: DesignationInput, index: int) -> Designation:
        d = Designation(organisation=org)
        _copy_fields(d, entry)
        self.version(d, Kind.CREATED, list(DESIGNATION_FIELDS))
        self.suspension(d, entry, index)
        return d

    def edit(self, d: Designation, entry: DesignationInput, index: int) -> None:
        if changed := _copy_fields(d, entry):
            self.version(d, Kind.CHANGED, changed)
        self.suspension(d, entry, index)

    def end(self, d: Designation) -> None:
        d.ended_on = self.today
        self.version(d, Kind.ENDED, ["ended_on"])

    def suspension(self, d: Designation, entry: DesignationInput, index: int) -> None:
        yesterday = self.today - dt.timedelta(days=1)
        latest = d.latest_suspension
        start, until, note = entry.suspended_from, entry.suspended_until, entry.note.strip()
        if start is None:
            in_force = d.suspension_on(self.today)
            if entry.is_suspended and in_force is None:
                start = self.today
            elif entry.is_suspended and in_force is not None:
                latest = in_force
                start = in_force.suspended_from
                until = until or in_force.suspended_until
                note = note or in_force.note
            elif in_force is not None:  # lifted: ends yesterday, marking resumes today
                latest, start, until = in_force, in_force.suspended_from, yesterday
                note = note or in_force.note
            else:
                return
        elif (
            not entry.is_suspended
            and start <= self.today
            and (until is None or until >= self.today)
        ):
            if latest is None or latest.suspended_from != start or not latest.covers(self.today):
                # Dates in force today with "not suspended": which one is meant is a guess,
                # and guessing wrong would mark notices during a suspension.
                raise ValidationFailed(
                    _("The organisation settings are not valid."),
                    fields={
                        f"designations.{index}.suspended": [
                            _(
                                "These dates suspend the designation today: tick “suspended”, "
                                "or give the last day of the suspension."
                            )
                        ]
                    },
                )
            until = yesterday  # lifted: ends yesterday, marking resumes today
        # The latest suspension is corrected when these dates touch it; else a new one starts.
        edits_latest = latest is not None and (
            latest.suspended_from == start
            or latest.suspended_until is None
            or latest.suspended_until >= start
        )
        if latest is None or not edits_latest:
            if until is not None and until < start:
                return  # lifted before it began: nothing to record
            DesignationSuspension.objects.create(
                designation=d, suspended_from=start, suspended_until=until, note=note
            )
            fields = ["suspended_from", *(["suspended_until"] if until else [])]
            self.version(d, Kind.SUSPENDED, fields, note)
            return
        was_in_force = latest.suspended_until is None or latest.suspended_until >= self.today
        changed = [
            name
            for name, old, new in (
                ("suspended_from", latest.suspended_from, start),
                ("suspended_until", latest.suspended_until, until),
                ("suspension_note", latest.note, note),
            )
            if old != new
        ]
        if not changed:
            return
        latest.suspended_from, latest.suspended_until, latest.note = start, until, note
        latest.is_withdrawn = until is not None and until < start
        latest.save()
        is_in_force = until is None or until >= self.today
        kind = Kind.LIFTED if was_in_force and not is_in_force else Kind.SUSPENSION_CHANGED
        self.version(d, kind, changed, note)


def _copy_fields(d: Designation, entry: DesignationInput) -> list[str]:
    new = {
        "authority": entry.authority.strip(),
        "designated_on": entry.designated_on,
        "valid_until": entry.valid_until,
        "phenomena": list(entry.phenomena),
    }
    changed = [name for name, value in new.items() if getattr(d, name, None) != value]
    for name in changed:
        setattr(d, name, new[name])
    return changed


@transaction.atomic
def update_organisation(
    *,
    actor: User,
    name: str,
    email: str,
    designations: Sequence[DesignationInput],
    independence_procedures: str | None = None,
    now: dt.datetime | None = None,
) -> Organisation:
    """Set the organisation's identity and its list of designations (admin or coordinator).

    ``designations`` is the full list of current designations (see the module docstring for
    matching, ending and suspension dates). A suspended or expired designation stops
    trusted-flagger marking at once (legal.md g.21). Raises ``ValidationFailed`` with
    ``designations.<i>.<field>`` keys; writes a version and an audit entry per change, and the
    audit entry ``organisation.updated``.
    """
    require_role(actor, *roles_for(Action.ORGANISATION_EDIT))
    org = current_organisation()
    current = list(org.designations.filter(ended_on__isnull=True))
    _validate(name, email, designations, {d.id for d in current})
    org.name, org.email = name.strip(), email.strip()
    if independence_procedures is not None:
        org.independence_procedures = independence_procedures
    org.save()
    writer = _Writer(actor, now or timezone.now())
    pairs = _match(designations, current)
    for index, (entry, match) in enumerate(pairs):
        if match is None:
            writer.create(org, entry, index)
        else:
            writer.edit(match, entry, index)
    kept = {match.id for _entry, match in pairs if match is not None}
    for d in current:
        if d.id not in kept:
            writer.end(d)
    record(
        "organisation.updated",
        actor=actor,
        target="organisation",
        data={"designations": len(designations), "versions": len(writer.versions)},
    )
    return current_organisation()
