"""Seed the poverty standards (reference data; editable afterwards by a system administrator)."""

from django.db import migrations

from households.migrations._frozen_standards import standards_load

def seed(apps, schema_editor):
    standards_load(apps.get_model("households", "PovertyStandard"))


class Migration(migrations.Migration):
    dependencies = [("households", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
