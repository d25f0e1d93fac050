"""The 2026 review's standard gets a row of its own (Decree 351/2025/NĐ-CP Art. 2 keeps the values
of 2022-2025 for 2026): Decree 07/2021 ends with 2025, and a 2026 review names Decree 351."""

from django.db import migrations

from households.migrations._frozen_standards import STANDARDS


def split_2026(apps, schema_editor):
    PovertyStandard = apps.get_model("households", "PovertyStandard")
    HouseholdReview = apps.get_model("households", "HouseholdReview")
    values = next(v for v in STANDARDS if v["code"] == "ND351-2025-D2")
    nd07 = PovertyStandard.objects.filter(code="ND07-2021", last_year=2026).first()
    if nd07 is None:  # a fresh database (0002 seeded today's rows) or an administrator's edit
        return
    nd07.last_year = 2025
    nd07.legal_basis = "Nghị định số 07/2021/NĐ-CP ngày 27/01/2021 (Điều 3)"
    nd07.save(update_fields=["last_year", "legal_basis"])
    copied = {f.attname: getattr(nd07, f.attname) for f in nd07._meta.concrete_fields if f.attname != "id"}
    copied.update({k: values[k] for k in ("code", "name", "legal_basis", "first_year", "last_year")})
    standard, _ = PovertyStandard.objects.get_or_create(code=values["code"], defaults=copied)
    HouseholdReview.objects.filter(year=2026, standard=nd07).update(standard=standard)


class Migration(migrations.Migration):
    dependencies = [("households", "0010_moves_and_identity")]

    operations = [migrations.RunPython(split_2026, migrations.RunPython.noop)]
