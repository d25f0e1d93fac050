"""The database connection dies in the middle of an import and of an approval (PostgreSQL): nothing
is half-written, the user is told, and doing it again succeeds without duplicates."""

import tempfile
import uuid
from pathlib import Path
from unittest import mock

import psycopg
from django.db import connection
from django.test import TransactionTestCase, override_settings

from povertyprog.accounts.models import Role

MEDIA = tempfile.mkdtemp()


def kill_this_connection() -> None:
    """Terminate Django's current PostgreSQL session from another connection (as a crash would)."""
    pid = connection.connection.info.backend_pid
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        dbname=settings["NAME"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@override_settings(MEDIA_ROOT=MEDIA)
class FaultTests(TransactionTestCase):
    def setUp(self):
        if connection.vendor != "postgresql":
            self.skipTest("kills a PostgreSQL backend")
        from budgets.catalogue import catalogue_load
        from households.standards import standards_load
        from povertyprog.units.loading import units_load_all

        units_load_all()
        standards_load()
        catalogue_load()

    def tearDown(self):
        connection.close()

    def test_a_killed_import_writes_nothing_is_reported_and_runs_again(self):
        from openpyxl import Workbook

        from households.import_jobs import import_job_claim, import_job_commit, import_job_create, job_path
        from households.importing import BATCH_SIZE, HOUSEHOLD_COLUMNS, HOUSEHOLD_SHEET
        from households.models import Household, HouseholdReview, ImportJob
        from tests.base import make_user, unit

        officer = make_user("songcau", Role.COMMUNE_OFFICER, "01837")
        rows = 100_000  # the size the issue asks for: 20 batches, killed after the 10th is written
        book = Workbook(write_only=True)
        sheet = book.create_sheet(HOUSEHOLD_SHEET)
        keys = [c.key for c in HOUSEHOLD_COLUMNS]
        sheet.append([c.header for c in HOUSEHOLD_COLUMNS])
        for n in range(rows):
            values = {
                "code": f"01837-K{n:06d}",
                "commune_code": "01837",
                "head_name": f"Hộ {n}",
                "village": "Tổ 1",
                "members_count": 3,
                "income": 2_500_000,
                "review_date": "15/11/2024",
            }
            sheet.append([values.get(k) for k in keys])
        path = Path(tempfile.mkdtemp()) / "ds.xlsx"
        book.save(path)

        class Upload:
            name, size = "ds.xlsx", path.stat().st_size

            def chunks(self):
                yield path.read_bytes()

        job = import_job_create(user=officer, unit=unit("01837"), year=2024, upload=Upload())
        job.status = ImportJob.Status.CHECKED
        job.save()
        self.assertTrue(job_path(job).exists())
        self.assertTrue(import_job_claim(job))
        calls = []

        def progress(done, total):
            calls.append(done)
            if len(calls) == 10:
                kill_this_connection()

        with mock.patch("households.import_jobs._progress", return_value=progress):
            failed = import_job_commit(job.pk)
        self.assertEqual(calls[-1], BATCH_SIZE * 10)  # half the file read, 9 batches written, when it died
        self.assertEqual(failed.status, ImportJob.Status.FAILED)
        self.assertIn("chưa có dữ liệu nào được ghi", failed.message)
        self.assertEqual(Household.objects.count(), 0)
        self.assertEqual(HouseholdReview.objects.count(), 0)

        self.assertTrue(import_job_claim(failed))
        done = import_job_commit(job.pk)
        self.assertEqual((done.status, done.created_count), (ImportJob.Status.DONE, rows))
        self.assertEqual(Household.objects.count(), rows)
        self.assertEqual(HouseholdReview.objects.filter(year=2024).count(), rows)
        self.assertEqual(Household.objects.values("code").distinct().count(), rows)
        self.assertEqual(Household.history.count(), rows)  # one "+" audit row each, none left over

    def test_a_killed_approval_changes_nothing_and_the_user_is_told(self):
        from tests.factory import in_the_2024_cycle

        with in_the_2024_cycle:
            self._killed_approval()

    def _killed_approval(self):
        from reports import cycle
        from reports.models import State, Submission, SubmissionEvent
        from tests.base import make_user, unit
        from tests.factory import period_2024

        period = period_2024()
        officer = make_user("songcau", Role.COMMUNE_OFFICER, "01837")
        district = make_user("backan", Role.DISTRICT_STAFF, "058")
        submission = cycle.submission_for(unit("01837"), period)
        submission = cycle.submission_submit(
            user=officer, submission=submission, expected_version=submission.version
        )
        events = SubmissionEvent.objects.count()

        real_snapshot = cycle.snapshot

        def dying_snapshot(*args):
            kill_this_connection()
            return real_snapshot(*args)

        self.client.force_login(district)
        with mock.patch("reports.cycle.snapshot", side_effect=dying_snapshot):
            response = self.client.post(
                f"/bao-cao/ho-so/{submission.pk}/duyet/", {"version": submission.version}, follow=True
            )
        self.assertContains(response, "mất kết nối cơ sở dữ liệu; chưa có gì thay đổi")
        fresh = Submission.objects.get(pk=submission.pk)
        self.assertEqual((fresh.state, fresh.version), (State.SUBMITTED, submission.version))
        self.assertEqual(SubmissionEvent.objects.count(), events)

        again = self.client.post(
            f"/bao-cao/ho-so/{submission.pk}/duyet/", {"version": fresh.version}, follow=True
        )
        self.assertContains(again, "Đã phê duyệt.")
        self.assertEqual(Submission.objects.get(pk=submission.pk).state, State.APPROVED)
        self.assertEqual(SubmissionEvent.objects.filter(action="approve").count(), 1)


@override_settings(MEDIA_ROOT=MEDIA, IMPORT_LEASE_SECONDS=3)
class KilledWorkerTests(TransactionTestCase):
    """A real `manage.py db_worker` process is killed (SIGKILL) while it imports: the job is found
    dead by its lease, ends as failed with a Vietnamese reason, its task too, and confirms again."""

    def setUp(self):
        if connection.vendor != "postgresql":
            self.skipTest("the worker process shares the PostgreSQL test database")
        from budgets.catalogue import catalogue_load
        from households.standards import standards_load
        from povertyprog.units.loading import units_load_all

        units_load_all()
        standards_load()
        catalogue_load()

    def tearDown(self):
        connection.close()

    def _worker(self):
        import os
        import subprocess
        import sys

        db = connection.settings_dict
        host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{host}/{db['NAME']}",
            "MEDIA_ROOT": MEDIA,
            "IMPORT_LEASE_SECONDS": "3",
        }
        root = Path(__file__).resolve().parents[1]
        command = ["db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.2"]
        return subprocess.Popen(
            [sys.executable, str(root / "manage.py"), *command],
            env=env, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def test_a_worker_killed_during_the_commit_leaves_a_failed_job_that_confirms_again(self):
        import signal
        import time

        from django.core.cache import cache
        from django_tasks_db.models import DBTaskResult

        from households.import_jobs import import_job_claim, import_job_commit, import_job_enqueue, lease_key
        from households.models import Household, ImportJob
        from households.tasks import commit_import
        from tests.base import make_user, unit
        from tests.test_import import household_row, workbook_bytes

        officer = make_user("songcau", Role.COMMUNE_OFFICER, "01837")
        rows = 40_000
        content = workbook_bytes([household_row(f"01837-W{n:06d}") for n in range(rows)])
        job = ImportJob.objects.create(
            user=officer, unit=unit("01837"), year=2023, original_name="ds.xlsx",
            stored_name=f"{uuid.uuid4().hex}.xlsx", status=ImportJob.Status.CHECKED,
        )  # fmt: skip
        Path(MEDIA, "imports").mkdir(parents=True, exist_ok=True)
        Path(MEDIA, "imports", job.stored_name).write_bytes(content)
        self.assertTrue(import_job_claim(job))
        import_job_enqueue(job, commit_import)
        worker = self._worker()
        try:
            deadline = time.monotonic() + 60
            while cache.get(lease_key(job.pk)) is None:  # the worker has started the import
                self.assertLess(time.monotonic(), deadline, "the worker never started the job")
                time.sleep(0.1)
            time.sleep(1.0)  # well inside the import
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
        finally:
            if worker.poll() is None:
                worker.kill()
        self.assertEqual(ImportJob.objects.get(pk=job.pk).status, ImportJob.Status.IMPORTING)

        self.client.force_login(officer)
        status = self.client.get(f"/ho-gia-dinh/nhap/{job.pk}/trang-thai/").json()
        self.assertEqual(status["status"], "importing")  # the lease has not run out yet
        time.sleep(3.5)
        status = self.client.get(f"/ho-gia-dinh/nhap/{job.pk}/trang-thai/").json()
        self.assertEqual(status["status"], "failed")
        failed = ImportJob.objects.get(pk=job.pk)
        self.assertIn("dừng đột ngột", failed.message)
        self.assertIn("chưa có dữ liệu nào được ghi", failed.message)
        self.assertEqual(DBTaskResult.objects.get(pk=failed.task_id).status, "FAILED")
        self.assertEqual(Household.objects.count(), 0)

        self.assertTrue(import_job_claim(failed))  # confirmed again
        done = import_job_commit(job.pk)
        self.assertEqual((done.status, done.created_count), (ImportJob.Status.DONE, rows))
        self.assertEqual(Household.objects.count(), rows)
