# Schema of the designation history (versions, dated suspensions) and of legal-basis
# confirmations. The data is moved in 0003; ``is_suspended`` goes in 0004, in its own
# migration so that PostgreSQL never alters a table with rows written in the same transaction.

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("organisation", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="designation",
            options={"ordering": ["designated_on", "authority"]},
        ),
        migrations.AddField(
            model_name="designation",
            name="ended_on",
            field=models.DateField(blank=True, null=True, verbose_name="ended on"),
        ),
        migrations.AddField(
            model_name="designation",
            name="version",
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.AlterField(
            model_name="designation",
            name="organisation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="designations",
                to="organisation.organisation",
            ),
        ),
        migrations.CreateModel(
            name="DesignationSuspension",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("suspended_from", models.DateField(verbose_name="suspended from")),
                (
                    "suspended_until",
                    models.DateField(blank=True, null=True, verbose_name="suspended until"),
                ),
                ("note", models.CharField(blank=True, max_length=500, verbose_name="note")),
                ("is_withdrawn", models.BooleanField(default=False)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "designation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="suspensions",
                        to="organisation.designation",
                    ),
                ),
            ],
            options={"ordering": ["suspended_from", "created_at"]},
        ),
        migrations.CreateModel(
            name="DesignationVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.PositiveIntegerField()),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("created", "Created"),
                            ("changed", "Changed"),
                            ("suspended", "Suspended"),
                            ("suspension_changed", "Suspension changed"),
                            ("lifted", "Suspension lifted"),
                            ("ended", "Ended"),
                            ("migrated", "Recorded before history was kept"),
                        ],
                        max_length=20,
                    ),
                ),
                ("recorded_at", models.DateTimeField()),
                ("changed", models.JSONField(default=list)),
                ("state", models.JSONField(default=dict)),
                ("note", models.CharField(blank=True, max_length=500)),
                (
                    "designation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="versions",
                        to="organisation.designation",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["designation", "number"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("designation", "number"), name="designation_version_unique"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="LegalBasisConfirmation",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("code", models.CharField(max_length=100, verbose_name="legal basis")),
                ("confirmed_at", models.DateTimeField()),
                ("note", models.TextField(verbose_name="note")),
                ("withdrawn_at", models.DateTimeField(blank=True, null=True)),
                ("withdrawal_note", models.TextField(blank=True)),
                (
                    "confirmed_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "withdrawn_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["code", "confirmed_at"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("withdrawn_at__isnull", True)),
                        fields=("code",),
                        name="legal_basis_confirmed_once",
                    )
                ],
            },
        ),
    ]
