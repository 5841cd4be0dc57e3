"""Decisions point at eligibility policy versions, and say what their signature means.

policies migration 0001 copied every rule-set version into a policy version
with the same id, so moving the decisions' foreign key changes no row: only
the constraint's target. The old table is then dropped. SQLite rebuilds the
decisions table for these changes, which drops its append-only trigger, so the
trigger is lifted for the operations and re-created after them.
"""

import django.db.models.deletion
from django.db import migrations, models

from ketaclinic.lib.append_only import AppendOnly, LiftAppendOnly

MEANINGS = [
    ("decided", "Signed as the physician's decision"),
    ("approved", "Signed as approved for clinical use"),
    ("reviewed", "Signed as reviewed"),
    ("administered", "Signed as administered"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("policies", "0001_initial"),
        ("screening", "0003_one_screening_per_number"),
    ]

    operations = [
        LiftAppendOnly("screening_screeningdecision"),
        migrations.AddField(
            model_name="screeningdecision",
            name="meaning",
            field=models.CharField(choices=MEANINGS, default="decided", max_length=16),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="screeningdecision",
            name="rule_set",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="policies.policyversion",
            ),
        ),
        migrations.DeleteModel(name="RuleSetVersion"),
        AppendOnly("screening_screeningdecision"),
    ]
