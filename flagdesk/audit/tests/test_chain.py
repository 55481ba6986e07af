import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from flagdesk.audit.models import AuditEntry
from flagdesk.audit.services import record, verify_chain

pytestmark = pytest.mark.django_db


def test_chain_verifies_and_detects_tampering(users, capsys):
    for i in range(3):
        record("report.revealed", actor=users["analyst"], target=f"report:{i}", reason="case")
    assert verify_chain().is_intact
    call_command("audit_verify")
    assert "intact: 3" in capsys.readouterr().out
    entry = AuditEntry.objects.order_by("seq")[1]
    with pytest.raises(TypeError):
        entry.save()
    with connection.cursor() as cursor:  # an attacker with database access
        cursor.execute("UPDATE audit_auditentry SET reason = 'other' WHERE seq = %s", [entry.seq])
    check = verify_chain()
    assert not check.is_intact and check.first_bad_seq == entry.seq
    with pytest.raises(CommandError, match=f"#{entry.seq}"):
        call_command("audit_verify")
