# Existing designations become version 1 of their history. A designation that was suspended
# gets a suspension from its designation date: the old flag applied to every date, and nobody
# recorded when the suspension began, which the note says.

from django.db import migrations
from django.utils import timezone

UNKNOWN_START = "Suspended before history was kept; the start date was not recorded."


def _state(designation, suspension):
    return {
        "authority": designation.authority,
        "designated_on": designation.designated_on.isoformat(),
        "valid_until": designation.valid_until.isoformat() if designation.valid_until else None,
        "phenomena": list(designation.phenomena),
        "ended_on": None,
        "suspended_from": suspension.suspended_from.isoformat() if suspension else None,
        "suspended_until": None,
        "suspension_note": suspension.note if suspension else "",
    }


def forwards(apps, schema_editor):
    Designation = apps.get_model("organisation", "Designation")
    DesignationSuspension = apps.get_model("organisation", "DesignationSuspension")
    DesignationVersion = apps.get_model("organisation", "DesignationVersion")
    now = timezone.now()
    for designation in Designation.objects.order_by("pk"):
        suspension = None
        if designation.is_suspended:
            suspension = DesignationSuspension.objects.create(
                designation=designation,
                suspended_from=designation.designated_on,
                note=UNKNOWN_START,
            )
        DesignationVersion.objects.create(
            designation=designation,
            number=1,
            kind="migrated",
            recorded_at=now,
            recorded_by=None,
            changed=[],
            state=_state(designation, suspension),
        )
        designation.version = 1
        designation.save(update_fields=["version"])


def backwards(apps, schema_editor):
    """Back to one flag: suspended today or not. Ended designations did not exist then and
    would count again, so they go; the history tables are dropped by 0002's reverse."""
    Designation = apps.get_model("organisation", "Designation")
    DesignationSuspension = apps.get_model("organisation", "DesignationSuspension")
    DesignationVersion = apps.get_model("organisation", "DesignationVersion")
    today = timezone.localdate()
    for designation in Designation.objects.all():
        suspensions = DesignationSuspension.objects.filter(
            designation=designation, is_withdrawn=False, suspended_from__lte=today
        )
        designation.is_suspended = any(
            s.suspended_until is None or s.suspended_until >= today for s in suspensions
        )
        designation.save(update_fields=["is_suspended"])
    DesignationVersion.objects.all().delete()
    DesignationSuspension.objects.all().delete()
    Designation.objects.filter(ended_on__isnull=False).delete()


class Migration(migrations.Migration):
    dependencies = [("organisation", "0002_designation_history")]

    operations = [migrations.RunPython(forwards, backwards)]
