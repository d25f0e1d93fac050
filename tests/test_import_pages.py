import json
from io import StringIO
from pathlib import Path
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.test import override_settings
from django.urls import reverse

from households.models import Household, HouseholdReview, ImportJob
from tests.base import BaseTestCase
from tests.test_import import household_row, workbook_bytes


def upload(content: bytes, name: str = "ds.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


class ImportPagesTestCase(BaseTestCase):
    def setUp(self):
        self.client.force_login(self.officer)

    def post_file(self, content: bytes, name: str = "ds.xlsx"):
        return self.client.post(reverse("households:import"), {"file": upload(content, name), "year": 2023})

    def test_upload_preview_confirm(self):
        rows = [household_row("01837-90001"), household_row("01837-90002")]
        response = self.post_file(workbook_bytes(rows))
        job = ImportJob.objects.get()
        self.assertRedirects(response, reverse("households:import_job", args=[job.pk]))
        page = self.client.get(reverse("households:import_job", args=[job.pk]))
        self.assertContains(page, 'data-testid="count-created">2<')
        self.assertContains(page, "Xác nhận nhập 2 hộ")
        self.assertFalse(Household.objects.exists())
        confirm = reverse("households:import_confirm", args=[job.pk])
        self.client.post(confirm)
        self.assertEqual(Household.objects.count(), 2)
        response = self.client.post(confirm, follow=True)  # a double click
        self.assertContains(response, "đang được nhập hoặc đã nhập rồi")
        self.assertEqual(HouseholdReview.history.count(), 2)

    def test_a_failure_during_the_import_writes_nothing_and_can_be_retried(self):
        self.post_file(workbook_bytes([household_row("01837-90001"), household_row("01837-90002")]))
        job = ImportJob.objects.get()
        confirm = reverse("households:import_confirm", args=[job.pk])
        with mock.patch(
            "households.importing.rollups_refresh", side_effect=OperationalError("server closed")
        ):
            self.client.post(confirm)  # fails after households and reviews were written: all rolled back
        job.refresh_from_db()
        self.assertEqual(job.status, "failed")
        self.assertIn("chưa có dữ liệu nào được ghi", job.message)
        self.assertFalse(Household.objects.exists())
        self.assertFalse(HouseholdReview.history.exists())
        self.client.post(confirm)
        job.refresh_from_db()
        self.assertEqual((job.status, Household.objects.count()), ("done", 2), job.message)

    def test_problems_are_listed_with_row_and_column(self):
        rows = [household_row("01837-90001", income="abc"), household_row("15139-9", commune="15139")]
        self.post_file(workbook_bytes(rows))
        page = self.client.get(reverse("households:import_job", args=[ImportJob.objects.get().pk]))
        self.assertContains(page, "2 lỗi cần sửa trong tệp")
        self.assertContains(page, "<td>abc</td>")
        self.assertContains(page, "không thuộc Phường Sông Cầu")
        self.assertNotContains(page, "Xác nhận nhập")

    def test_a_file_wrong_on_every_row_shows_the_first_problems_and_the_count(self):
        rows = [household_row(f"01837-9{i:04d}", income="?") for i in range(12)]
        with mock.patch("households.import_jobs.SHOWN_PROBLEMS", 5):
            self.post_file(workbook_bytes(rows))
        job = ImportJob.objects.get()
        self.assertEqual((job.problem_count, len(job.problems)), (12, 5))
        page = self.client.get(reverse("households:import_job", args=[job.pk]))
        self.assertContains(page, "12 lỗi cần sửa trong tệp")
        self.assertContains(page, "Hiển thị 5 lỗi đầu tiên")
        self.assertNotContains(page, "Xác nhận nhập")

    def test_a_hostile_file_is_refused_at_the_field(self):
        response = self.post_file(b"MZ\x90\x00 not a workbook", name="virus.exe")
        self.assertContains(response, 'data-error-for="file">Loại tệp')
        big = SimpleUploadedFile("ds.xlsx", b"\x00" * (21 * 1024 * 1024))
        response = self.client.post(reverse("households:import"), {"file": big, "year": 2023})
        self.assertContains(response, "Giới hạn là 20 MB")
        self.assertFalse(ImportJob.objects.exists())

    def test_a_corrupt_file_is_refused_on_the_job_page(self):
        self.post_file(b"PK\x03\x04 broken")
        page = self.client.get(reverse("households:import_job", args=[ImportJob.objects.get().pk]))
        self.assertContains(page, "Tệp bị từ chối")
        self.assertContains(page, "không phải là tệp Excel .xlsx hợp lệ")

    def test_jobs_belong_to_their_user(self):
        self.post_file(workbook_bytes([household_row("01837-90001")]))
        job = ImportJob.objects.get()
        self.client.force_login(self.district)
        self.assertEqual(self.client.get(reverse("households:import_job", args=[job.pk])).status_code, 404)
        self.assertEqual(
            self.client.post(reverse("households:import_confirm", args=[job.pk])).status_code, 404
        )
        self.assertEqual(self.client.get(reverse("households:import")).status_code, 403)

    @override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}})
    def test_large_files_go_through_the_task_queue(self):
        with mock.patch("households.import_jobs.BACKGROUND_BYTES", 0):
            self.post_file(workbook_bytes([household_row("01837-90001")]))
            job = ImportJob.objects.get()
            status = json.loads(self.client.get(reverse("households:import_status", args=[job.pk])).content)
            self.assertEqual((status["status"], status["done"], status["total"]), ("checked", 1, 1))
            self.client.post(reverse("households:import_confirm", args=[job.pk]))
        job.refresh_from_db()
        self.assertEqual(job.status, "done")
        self.assertEqual(Household.objects.count(), 1)

    def test_downloads(self):
        response = self.client.get(reverse("households:import_template"))
        self.assertEqual(
            response["Content-Type"].split(";")[0],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        query = {"nam": 2023, "phan_loai": "poor"}
        self.assertContains(self.client.get(reverse("households:download"), query), "Mục đích sử dụng")
        response = self.client.get(reverse("households:download"), {**query, "muc_dich": "ra_soat"})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.content.startswith(b"PK"))
        self.assertEqual(
            self.client.get(reverse("households:download"), {"don_vi": self.cam_luong.pk}).status_code, 404
        )


class ImportCommandTestCase(BaseTestCase):
    def test_the_command_uses_the_same_service(self):
        path = Path(self.enterContext(__import__("tempfile").TemporaryDirectory())) / "ds.xlsx"
        path.write_bytes(workbook_bytes([household_row("01837-90001")]))
        out = StringIO()
        call_command(
            "import_households", str(path), "--year", "2023", "--user", "songcau", "--dry-run", stdout=out
        )
        self.assertIn("rows=1 created=1 updated=0 unchanged=0 errors=0 committed=False", out.getvalue())
        call_command("import_households", str(path), "--year", "2023", "--user", "songcau", stdout=out)
        self.assertEqual(Household.objects.count(), 1)
        path.write_bytes(workbook_bytes([household_row("01837-90002", income="x")]))
        with self.assertRaises(CommandError):
            call_command("import_households", str(path), "--year", "2023", "--user", "songcau", stdout=out)
        self.assertIn("Thu nhập", out.getvalue())
