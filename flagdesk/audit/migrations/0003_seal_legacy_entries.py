# An instance upgraded with unkeyed (scheme 1) entries gets one keyed entry after them,
# "audit.keyed". Its HMAC covers the last unkeyed entry's hash, and so the whole unkeyed
# part; and since a chain must now end with a keyed entry, someone without the key cannot
# rewrite the chain as unkeyed entries, or cut off what came after them, unnoticed.
#
# Scheme 2 is computed here as flagdesk/audit/models.py defines it; the definition of a scheme
# never changes (a new definition would be a new scheme), so this copy stays right.

import hashlib
import hmac
import json

from django.db import migrations
from django.utils import timezone


def seal(apps, schema_editor):
    AuditEntry = apps.get_model("audit", "AuditEntry")
    last = AuditEntry.objects.order_by("-seq").first()
    if last is None or last.scheme != 1:
        return
    from flagdesk.audit.keys import audit_key

    entry = AuditEntry(
        seq=last.seq + 1,
        scheme=2,
        created_at=timezone.now(),
        actor=None,
        action="audit.keyed",
        target="",
        reason="",
        data={"unkeyed_entries": AuditEntry.objects.filter(scheme=1).count()},
        prev_hash=last.entry_hash,
    )
    content = json.dumps(
        {
            "created_at": entry.created_at.isoformat(),
            "actor": None,
            "action": entry.action,
            "target": entry.target,
            "reason": entry.reason,
            "data": entry.data,
            "prev": entry.prev_hash,
            "seq": entry.seq,
            "scheme": 2,
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    entry.entry_hash = hmac.new(audit_key(), content.encode(), hashlib.sha256).hexdigest()
    entry.save(force_insert=True)


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0002_keyed_chain"),
    ]

    operations = [
        # Going back leaves the entry: older code cannot verify keyed entries in any case.
        migrations.RunPython(seal, migrations.RunPython.noop),
    ]
