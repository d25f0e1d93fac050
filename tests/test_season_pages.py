"""Issue 16: the season's pages and paperwork as the officer uses them: the season page per
village, the steps through the forms, the printed forms read back from their PDFs (the posting
list never carries an ID number), the chair's decision issued from the register, recognising its
households, and its certificates; the review_season command's keys."""

import io
import json
import subprocess
import tempfile
from datetime import date
from pathlib import Path

from django.core.management import call_command

from households import season
from households.models import Member, ReviewCase, Step
from reports import documents
from reports.composition import new_document
from reports.models import Document
from tests.factory import make_review
from tests.test_season import YEAR, SeasonTestCase


def pdf_text(content: bytes) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "f.pdf"
        path.write_bytes(content)
        return subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout


class SeasonPageTests(SeasonTestCase):
    def setUp(self):
        self.client.force_login(self.ward_officer)

    def test_the_steps_through_the_pages_and_the_printed_forms(self):
        household = self.household("Tổ 5")
        Member.objects.filter(household=household, relation="head").update(citizen_id="006080001234")
        # Application (Mẫu số 01) opens the case.
        response = self.client.post(
            f"/ra-soat/ho/{household.pk}/{YEAR}/giay-de-nghi/",
            {
                "request": "enter",
                "kind": "regular",
                "applied_on": "2026-09-03",
                "applicant": household.head_name,
            },
        )
        case = ReviewCase.objects.get(household=household, year=YEAR)
        self.assertRedirects(response, f"/ra-soat/ho-so/{case.pk}/")
        self.assertEqual(case.due_on, date(YEAR, 9, 30))  # taken up on the 15th, settled within 15 days
        self.assertIn(
            "GIẤY ĐỀ NGHỊ", pdf_text(self.client.get(f"/ra-soat/ho-so/{case.pk}/giay-de-nghi.pdf").content)
        )
        # Phiếu A with 3 criteria: on to Phiếu B.
        self.client.post(
            f"/ra-soat/ho-so/{case.pk}/",
            {"action": "phieu_a", "version": case.version, "met": ["1", "4", "7"], "on": "2026-09-16"},
        )
        self.assertEqual(ReviewCase.objects.get(pk=case.pk).step, Step.PHIEU_B)
        make_review(household, YEAR, 1_100_000, deprived=("d_water", "d_latrine", "d_telecom"))
        # The meeting: 6 of 12 agree (50%).
        village = f"/ra-soat/{self.ward.pk}/{YEAR}/thon/{case.village_id}/"
        self.client.post(
            village,
            {"action": "meeting", "held_on": "2026-10-02", "chair": "Nông Văn Trưởng", "attending": "12",
             f"agreed-{case.pk}": "6"},
        )  # fmt: skip
        meeting = ReviewCase.objects.get(pk=case.pk).meeting
        minutes = pdf_text(self.client.get(f"/ra-soat/hop-thon/{meeting.pk}/bien-ban.pdf").content)
        self.assertEqual(minutes.count("BIÊN BẢN HỌP THÔN"), 2)  # two sets
        self.assertIn("Thống nhất", minutes)
        self.client.post(village, {"action": "posting", "posted_on": "2026-10-09"})
        case.refresh_from_db()
        listing = pdf_text(self.client.get(f"/ra-soat/niem-yet/{case.posting_id}.pdf").content)
        self.assertIn(household.head_name, listing)
        self.assertIn("Hộ nghèo", listing)
        self.assertIn("14/10/2026", listing)
        self.assertNotIn("006080001234", listing)
        # The season page shows the village's counts.
        page = self.client.get(f"/ra-soat/{self.ward.pk}/{YEAR}/").content.decode()
        self.assertIn('data-village="Tổ 5"', page)
        # An input the officer mistyped: told in Vietnamese, nothing written.
        response = self.client.post(village, {"action": "posting", "posted_on": "31/02/2026"}, follow=True)
        self.assertContains(response, "Ngày “31/02/2026” không hợp lệ")

    def test_the_chairs_decision_recognises_and_its_certificates_print(self):
        ready, complained = self.posted(self.household("Tổ 1")), self.posted(self.household("Tổ 2"))
        season.complaint_lodge(
            user=self.ward_officer, household=complained.household, year=YEAR, lodged_on=date(YEAR, 10, 12),
            complainant="Lò Văn Kiện", ground="wrongly_in",
        )  # fmt: skip
        document = new_document(self.ward, "recognition", YEAR)
        document.fields["signer_name"] = "Hà Văn Chủ Tịch"
        document._history_user = self.ward_officer
        document.save()
        with self._on(date(YEAR, 10, 20)):
            issued = documents.document_issue(
                user=self.ward_officer, document=document, day=date(YEAR, 10, 20)
            )
        ready.refresh_from_db(), complained.refresh_from_db()
        self.assertEqual((ready.step, ready.decision), (Step.RECOGNISED, issued.reference))
        self.assertEqual(complained.step, Step.POSTED)  # its complaint is open
        self.assertTrue(issued.reference.endswith("/QĐ-UBND"))
        text = pdf_text((documents.storage_dir() / issued.pdf_name).read_bytes())
        expected = (
            "QUYẾT ĐỊNH",
            "CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG BẮC KẠN",
            "Điều 1.",
            "Quyết định số 24/2021/QĐ-TTg",
            "Nghị định số 351/2025/NĐ-CP",
            ready.household.head_name,
        )
        for words in expected:
            self.assertIn(words, text)
        self.assertNotIn(complained.household.head_name, text)
        certificates = pdf_text(self.client.get(f"/van-ban/{issued.pk}/giay-chung-nhan.pdf").content)
        self.assertIn("GIẤY CHỨNG NHẬN", certificates)
        self.assertIn(f"Quyết định số {issued.reference}", certificates)
        # Phụ lục VI lists the recognised household.
        final = pdf_text(self.client.get(f"/ra-soat/{self.ward.pk}/{YEAR}/phu-luc-vi.pdf").content)
        self.assertIn(ready.household.head_name, final)

    def test_an_empty_decision_is_not_issued(self):
        document = new_document(self.ward, "recognition", YEAR)
        document.fields["signer_name"] = "Hà Văn Chủ Tịch"
        document.save()
        with self.assertRaisesMessage(Exception, "Chưa có hộ nào đã niêm yết xong"):
            documents.document_issue(user=self.ward_officer, document=document, day=date(YEAR, 10, 20))
        self.assertEqual(Document.objects.get(pk=document.pk).status, Document.Status.DRAFT)

    def _on(self, day):
        import time_machine

        return time_machine.travel(day, tick=False)

    def test_review_season_json_keys(self):
        self.posted(self.household("Tổ 1"))
        self.listed(self.household("Tổ 2"))
        out = io.StringIO()
        call_command("review_season", unit="01843", year=YEAR, on="2026-10-12", as_json=True, stdout=out)
        data = json.loads(out.getvalue())
        self.assertEqual(data["total"]["households"], 2)
        self.assertEqual(data["total"]["steps"]["posted"], 1)
        self.assertEqual(data["total"]["postings_open"], 1)
        self.assertEqual(
            set(data["total"]),
            {
                "village", "households", "steps", "meetings", "postings_open", "postings_closed",
                "complaints_open", "complaints_settled", "complaints_late", "applications_late",
                "ready_for_recognition", "recognised",
            },
        )  # fmt: skip


class SeedCopiesTests(SeasonTestCase):
    def test_the_migrations_frozen_seeds_equal_the_loaders(self):
        """Migrations keep their own copy of the data they load; the loaders (used to restore
        reference data) must seed the same rows, or a database would hold both."""
        import importlib

        from households.season import PHIEU_A_SEEDED
        from reports.legal import RECOGNITION_BASES

        bases = importlib.import_module("reports.migrations.0009_recognition_decision").BASES
        criteria = importlib.import_module("households.migrations.0014_season_data").PHIEU_A
        self.assertEqual(set(bases), set(RECOGNITION_BASES))
        self.assertEqual(criteria, PHIEU_A_SEEDED)
