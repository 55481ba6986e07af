"""Banks and entries: create, validate, dedupe, remove with a reason, pre-fill permission."""

from __future__ import annotations

import pytest

from flagdesk.audit.models import AuditEntry
from flagdesk.cases.tests.factories import approved_item
from flagdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from flagdesk.matching.models import BankEntry
from flagdesk.matching.services.banks import (
    EntryInput,
    add_entries,
    allow_prefill,
    remove_entry,
    set_bank_enabled,
)

from .factories import add, bank, random_pdq, video_value

pytestmark = pytest.mark.django_db


def test_coordinator_creates_bank_and_it_is_audited(users):
    created = bank(users["coordinator"], "Partner X", kind="partner", phenomenon="ncii")
    assert created.slug == "partner-x"
    assert created.is_enabled
    assert AuditEntry.objects.filter(action="bank.create", target="bank:partner-x").exists()


@pytest.mark.parametrize("role", ["analyst", "reviewer", "intake", "auditor", "partner"])
def test_only_managers_create_banks(users, role):
    with pytest.raises(PermissionDenied):
        bank(users[role], "Nope")


def test_bank_validation_names_every_problem(users):
    bank(users["coordinator"], "Taken")
    with pytest.raises(ValidationFailed) as err:
        bank(users["coordinator"], "taken", kind="weird", phenomenon="nothing")
    assert set(err.value.fields) == {"kind", "phenomenon"}
    with pytest.raises(ValidationFailed) as err:
        bank(users["coordinator"], "TAKEN")
    assert "name" in err.value.fields


def test_entries_are_canonical_and_deduplicated(users):
    own = bank(users["coordinator"])
    value = random_pdq(1)
    result = add_entries(
        own,
        [
            EntryInput("PDQ", value.upper(), 80, tags=["ncii", "ncii", " x "]),
            EntryInput("pdq", value, 80),
            EntryInput("md5", "D41D8CD98F00B204E9800998ECF8427E"),
        ],
        actor=users["analyst"],
    )
    assert result.duplicates == 1
    pdq, md5 = sorted(result.added, key=lambda e: e.signal_type, reverse=True)
    assert pdq.value == value and pdq.tags == ["ncii", "x"]
    assert md5.value == "d41d8cd98f00b204e9800998ecf8427e"
    again = add_entries(own, [EntryInput("pdq", value)], actor=users["analyst"])
    assert again.duplicates == 1 and not again.added


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("pdq", "abc", "64 hexadecimal digits"),
        ("pdq", "z" * 64, "hexadecimal"),
        ("md5", "0" * 64, "32 hexadecimal"),
        ("tlsh", "0" * 64, "unknown signal type"),
        ("vpdq", "[]", "at least one frame"),
        ("vpdq", '["' + "0" * 64 + ',101,0.0"]', "frame 1"),
    ],
)
def test_invalid_values_are_refused_with_their_position(users, kind, value, message):
    own = bank(users["coordinator"])
    with pytest.raises(ValidationFailed) as err:
        add_entries(
            own, [EntryInput("md5", "0" * 32), EntryInput(kind, value)], actor=users["analyst"]
        )
    assert "2" in err.value.fields
    assert message in err.value.message
    assert not BankEntry.objects.exists()


def test_video_entries_keep_their_frames(users):
    own = bank(users["coordinator"])
    [entry] = add(own, users["analyst"], ("vpdq", video_value(3, frames=7)))
    assert entry.frame_count == 7
    assert len(entry.value_key) == 64


def test_partner_adds_only_to_its_own_bank(users):
    mine = bank(users["coordinator"], "Pat's hotline", kind="partner", partner=users["partner"])
    other = bank(users["coordinator"], "Own")
    assert add(mine, users["partner"], ("md5", "1" * 32))
    with pytest.raises(PermissionDenied):
        add(other, users["partner"], ("md5", "1" * 32))
    with pytest.raises(PermissionDenied):
        add(mine, users["none"], ("md5", "2" * 32))


def test_removal_needs_a_reason_and_a_reviewer(users):
    own = bank(users["coordinator"])
    [entry] = add(own, users["analyst"], ("pdq", random_pdq(2)))
    with pytest.raises(PermissionDenied):
        remove_entry(entry, actor=users["analyst"], reason="false positive, a logo")
    with pytest.raises(ValidationFailed):
        remove_entry(entry, actor=users["reviewer"], reason="no")
    removed = remove_entry(entry, actor=users["reviewer"], reason="false positive: a logo")
    assert removed.removed_by == users["reviewer"] and removed.removed_at
    with pytest.raises(Conflict):
        remove_entry(entry, actor=users["reviewer"], reason="false positive: a logo")
    # The same hash can be added again later (the uniqueness only binds live entries).
    assert add(own, users["analyst"], ("pdq", entry.value))
    audit = AuditEntry.objects.get(action="bank.remove_entry")
    assert audit.reason == "false positive: a logo"


def test_disabling_is_for_managers(users):
    own = bank(users["coordinator"])
    with pytest.raises(PermissionDenied):
        set_bank_enabled(own, False, actor=users["analyst"])
    assert not set_bank_enabled(own, False, actor=users["admin"]).is_enabled


def test_prefill_only_from_an_approved_illegal_assessment_of_the_same_item(users):
    item, assessment = approved_item(users)
    own = bank(users["coordinator"])
    [entry] = add(own, users["analyst"], ("pdq", random_pdq(4)), item=item)
    [loose] = add(own, users["analyst"], ("pdq", random_pdq(5)))
    with pytest.raises(PermissionDenied):
        allow_prefill(entry, assessment, actor=users["analyst"])
    with pytest.raises(Conflict):
        allow_prefill(loose, assessment, actor=users["reviewer"])
    granted = allow_prefill(entry, assessment, actor=users["reviewer"])
    assert granted.prefill_assessment == assessment
    assert granted.prefill_allowed_by == users["reviewer"]
    withdrawn = allow_prefill(entry, None, actor=users["reviewer"])
    assert withdrawn.prefill_assessment is None
    # An assessment of another item never qualifies, even an approved one.
    _other, foreign = approved_item(users)
    with pytest.raises(Conflict):
        allow_prefill(entry, foreign, actor=users["reviewer"])
