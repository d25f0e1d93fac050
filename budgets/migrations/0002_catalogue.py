"""Seed the program catalogue (reference data; editable afterwards by a system administrator)."""

from django.db import migrations

from budgets.migrations._frozen_catalogue import catalogue_load


def seed(apps, schema_editor):
    catalogue_load(
        apps.get_model("budgets", "Program"),
        apps.get_model("budgets", "Component"),
        apps.get_model("budgets", "OutputKind"),
    )


class Migration(migrations.Migration):
    dependencies = [("budgets", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
