"""Reference data through django-import-export in the admin: exported with Vietnamese column names,
corrected and imported back in two steps (preview, confirm), audited; a bad value writes nothing."""

import csv
import io

from households.models import PovertyStandard
from reports.models import LegalBasis
from tests.base import BaseTestCase

STANDARDS = "/quan-tri/households/povertystandard/"


class ReferenceAdminTests(BaseTestCase):
    def setUp(self):
        self.client.force_login(self.admin)

    def export_csv(self, url: str) -> list[dict]:
        form = self.client.get(f"{url}export/").context["form"]
        columns = {name: "on" for name, field in form.fields.items() if field.initial is True}
        response = self.client.post(f"{url}export/", {"format": "1", "resource": "0", **columns})  # CSV
        self.assertEqual(response["Content-Type"], "text/csv")
        self.assertEqual(response.status_code, 200)
        return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))

    def import_csv(self, url: str, rows: list[dict]):
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        upload = io.BytesIO(out.getvalue().encode())
        upload.name = "chuan-ngheo.csv"
        return self.client.post(f"{url}import/", {"format": "1", "resource": "0", "import_file": upload})

    def test_the_standards_export_with_vietnamese_column_names(self):
        rows = self.export_csv(STANDARDS)
        self.assertEqual({r["Mã"] for r in rows}, set(PovertyStandard.objects.values_list("code", flat=True)))
        nd07 = next(r for r in rows if r["Mã"] == "ND07-2021")
        self.assertIn("Chuẩn thu nhập nông thôn (đồng/người/tháng)", nd07)
        self.assertEqual(nd07["Chuẩn thu nhập nông thôn (đồng/người/tháng)"], "1500000")

    def test_a_corrected_value_is_previewed_then_written_with_its_audit_row(self):
        audited = PovertyStandard.history.filter(code="ND07-2021").count()
        rows = self.export_csv(STANDARDS)
        rural = "Chuẩn thu nhập nông thôn (đồng/người/tháng)"
        for row in rows:
            if row["Mã"] == "ND351-2025":
                row[rural] = "2300000"
        preview = self.import_csv(STANDARDS, rows)
        self.assertEqual(preview.status_code, 200)
        self.assertEqual(
            PovertyStandard.objects.get(code="ND351-2025").rural_income_line, 2_200_000
        )  # not yet
        confirm = preview.context["confirm_form"].initial
        done = self.client.post(f"{STANDARDS}process_import/", confirm)
        self.assertEqual(done.status_code, 302)
        standard = PovertyStandard.objects.get(code="ND351-2025")
        self.assertEqual(standard.rural_income_line, 2_300_000)
        latest = standard.history.first()
        self.assertEqual((latest.history_user, latest.rural_income_line), (self.admin, 2_300_000))
        # The unchanged standards were skipped: no new audit row for them.
        self.assertEqual(PovertyStandard.history.filter(code="ND07-2021").count(), audited)

    def test_a_bad_value_is_reported_and_nothing_is_written(self):
        rows = self.export_csv(STANDARDS)
        rural = "Chuẩn thu nhập nông thôn (đồng/người/tháng)"
        rows[0][rural], rows[1][rural] = "2300000", "hai triệu"
        response = self.import_csv(STANDARDS, rows)
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("confirm_form", response.context)  # nothing to confirm
        self.assertContains(response, "“hai triệu” không phải là một số nguyên.")
        self.assertEqual(
            sorted(PovertyStandard.objects.values_list("rural_income_line", flat=True)),
            [1_500_000, 1_500_000, 2_200_000],
        )

    def test_legal_bases_round_trip_unchanged_writes_nothing(self):
        before = LegalBasis.history.count()
        rows = self.export_csv("/quan-tri/reports/legalbasis/")
        self.assertEqual(len(rows), LegalBasis.objects.count())
        preview = self.import_csv("/quan-tri/reports/legalbasis/", rows)
        self.client.post(
            "/quan-tri/reports/legalbasis/process_import/", preview.context["confirm_form"].initial
        )
        self.assertEqual(LegalBasis.history.count(), before)

    def test_the_import_page_speaks_vietnamese(self):
        response = self.client.get(f"{STANDARDS}import/")
        self.assertContains(response, "Tệp cần nhập")
        self.assertContains(response, "Tệp cần có các cột sau")
        self.assertContains(response, "Chuẩn thu nhập nông thôn (đồng/người/tháng)")

    def test_only_the_system_administrator_reaches_the_import(self):
        self.client.force_login(self.province)
        response = self.client.get(f"{STANDARDS}import/")
        self.assertIn(response.status_code, (302, 403))
