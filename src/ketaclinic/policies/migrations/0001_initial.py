"""Clinic policies, and the eligibility rule sets moved into them (issue 9 #1).

Every screening.RuleSetVersion becomes a PolicyVersion of kind "eligibility"
with the same id and code, so the signed decisions that point at it keep
pointing at the same document (screening migration 0004 moves their foreign
key without changing a row). A version whose document said it was approved
becomes a PolicyApproval signed by the physician who published it.
"""

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models

from ketaclinic.lib.append_only import AppendOnly

DEFAULT_NOTE = "The default rule set shipped with ketaclinic."


def move_rule_sets(apps, schema_editor):
    RuleSetVersion = apps.get_model("screening", "RuleSetVersion")
    PolicyVersion = apps.get_model("policies", "PolicyVersion")
    PolicyApproval = apps.get_model("policies", "PolicyApproval")
    User = apps.get_model("accounts", "User")
    for old in RuleSetVersion.objects.order_by("pk"):
        version = PolicyVersion.objects.create(
            id=old.pk,
            code=old.code,
            clinic_id=old.clinic_id,
            kind="eligibility",
            version=old.version,
            document=old.document,
            change_note=old.change_note,
            changes=[],
            is_shipped_default=old.published_by_id is None and old.change_note == DEFAULT_NOTE,
            drafted_by_id=old.published_by_id,
        )
        # auto_now_add set the time of this migration; keep the original one.
        PolicyVersion.objects.filter(pk=version.pk).update(drafted_at=old.published_at)
        approved = old.document.get("approved_by")
        if isinstance(approved, str) and old.published_by_id is not None:
            signer = User.objects.get(pk=old.published_by_id)
            PolicyApproval.objects.create(
                version=version,
                signed_by_id=signer.pk,
                signed_by_name=approved.rsplit(",", 1)[0].strip() or signer.username,
                signed_at=old.published_at,
                meaning="approved",
                note="Approved when published (before approvals were signatures).",
            )
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "SELECT setval(pg_get_serial_sequence('policies_policyversion', 'id'), "
            "COALESCE((SELECT MAX(id) FROM policies_policyversion), 1))"
        )


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0003_drop_drf_authtoken'),
        ('screening', '0003_one_screening_per_number'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='PolicyVersion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('kind', models.CharField(choices=[('eligibility', 'Eligibility rules')], max_length=32)),
                ('version', models.CharField(max_length=50)),
                ('document', models.JSONField()),
                ('change_note', models.CharField(max_length=500)),
                ('changes', models.JSONField(blank=True, default=list)),
                ('is_shipped_default', models.BooleanField(default=False)),
                ('drafted_at', models.DateTimeField(auto_now_add=True)),
                ('based_on', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='policies.policyversion')),
                ('clinic', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='policy_versions', to='accounts.clinic')),
                ('drafted_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ('-drafted_at', '-pk'),
            },
        ),
        migrations.CreateModel(
            name='PolicyApproval',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('signed_by_name', models.CharField(max_length=200)),
                ('signed_at', models.DateTimeField()),
                ('meaning', models.CharField(choices=[('decided', "Signed as the physician's decision"), ('approved', 'Signed as approved for clinical use'), ('reviewed', 'Signed as reviewed'), ('administered', 'Signed as administered')], max_length=16)),
                ('revision_reason', models.CharField(blank=True, max_length=500)),
                ('code', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('note', models.CharField(blank=True, max_length=500)),
                ('signed_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('version', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='approval', to='policies.policyversion')),
            ],
            options={
                'ordering': ('-signed_at', '-pk'),
            },
        ),
        migrations.AddConstraint(
            model_name='policyversion',
            constraint=models.UniqueConstraint(fields=('clinic', 'kind', 'version'), name='policy_version_uniq'),
        ),
        migrations.RunPython(move_rule_sets, migrations.RunPython.noop),
        AppendOnly("policies_policyversion"),
        AppendOnly("policies_policyapproval"),
    ]
