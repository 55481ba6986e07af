import uuid

import django.db.models.deletion
from django.db import migrations, models

import flagdesk.core.crypto


def index_existing_reports(apps, schema_editor):
    """Reports stored before the blind index get theirs, so a data subject's older reports
    are found too (the key is ``settings.SUBJECT_INDEX_KEY``)."""
    from flagdesk.intake.subject_index import email_index, phone_index

    Report = apps.get_model("intake", "Report")
    holding = Report.objects.exclude(reporter_email="", reporter_phone="")
    for report in holding.iterator(chunk_size=500):
        Report.objects.filter(pk=report.pk).update(
            reporter_email_index=email_index(report.reporter_email or ""),
            reporter_phone_index=phone_index(report.reporter_phone or ""),
        )


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0009_retention_event_kinds"),
        ("intake", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="report",
            name="reporter_email_index",
            field=models.CharField(blank=True, db_index=True, max_length=64),
        ),
        migrations.AddField(
            model_name="report",
            name="reporter_phone_index",
            field=models.CharField(blank=True, db_index=True, max_length=64),
        ),
        migrations.AddField(
            model_name="report",
            name="erasure_held_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="report",
            name="contact_erased_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="report",
            name="description_erased_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name="ReportMessage",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("text", flagdesk.core.crypto.EncryptedTextField(blank=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "items",
                    models.ManyToManyField(blank=True, related_name="+", to="cases.item"),
                ),
                (
                    "report",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="messages",
                        to="intake.report",
                    ),
                ),
            ],
            options={
                "ordering": ["created_at"],
            },
        ),
        migrations.RunPython(index_existing_reports, migrations.RunPython.noop),
    ]
