"""Upload → check (preview) → confirm → import, as ImportJob rows, run inline or as background tasks.

Small files run in the request; larger ones go to the task queue (django-tasks, database
backend: `manage.py db_worker`), and the page follows their progress. Progress lives in the
cache, not in the job row: the import writes inside one transaction that others cannot see.
"""

import logging
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from households.importing import household_import
from households.models import ImportJob
from povertyprog.accounts.models import User
from povertyprog.lib.spreadsheets import RefusedFile, upload_dir, upload_store
from povertyprog.units.models import AdministrativeUnit

logger = logging.getLogger(__name__)
BACKGROUND_BYTES = 512 * 1024  # larger uploads are checked and imported by the worker
SHOWN_PROBLEMS = 1000
CHECK_FAILED = (
    "Không kiểm tra được tệp do lỗi hệ thống khi đọc; chưa có dữ liệu nào được ghi. "
    "Hãy lưu lại tệp bằng Excel (.xlsx) rồi tải lên lại; nếu vẫn lỗi, báo quản trị hệ thống."
)


def job_path(job: ImportJob) -> Path:
    return upload_dir() / job.stored_name


def kept_parse_path(job: ImportJob) -> Path:
    """Where the job's preview keeps its parse for the commit (households.importing, D52)."""
    return job_path(job).with_suffix(".parse")


def import_job_create(*, user: User, unit: AdministrativeUnit, year: int, upload) -> ImportJob:
    """Store an upload (RefusedFile for the wrong kind or size) and open its job."""
    stored_name = upload_store(upload)
    return ImportJob.objects.create(
        user=user, unit=unit, year=year, original_name=Path(upload.name).name[:255], stored_name=stored_name
    )


def import_job_enqueue(job: ImportJob, task) -> None:
    """Queue the job's next step for the worker, remembering the task (import_job_reap ends it)."""
    result = task.enqueue(job.pk)
    ImportJob.objects.filter(pk=job.pk).update(task_id=str(result.id))


def runs_in_background(job: ImportJob) -> bool:
    return job_path(job).stat().st_size > BACKGROUND_BYTES


def progress_key(job_id: int) -> str:
    return f"import-progress-{job_id}"


def _progress(job_id: int):
    def report(done: int, total: int) -> None:
        cache.set(progress_key(job_id), {"done": done, "total": total}, 3600)

    return report


def progress(job: ImportJob) -> dict:
    return cache.get(progress_key(job.pk)) or {"done": 0, "total": job.total_rows}


# --- The lease: a job's process says it is alive -------------------------------------------
# While a job is checked or imported, a thread of the process running it writes the time to the
# cache (shared by the web and worker processes) every HEARTBEAT seconds. A process killed
# outright (kill -9, out of memory, a reboot) stops writing: once the time is older than the
# lease, whoever looks at the job (its page, the status poll, a confirmation) ends it as failed —
# the import's single transaction died with the process, so nothing was written.


def lease_seconds() -> int:
    return settings.IMPORT_LEASE_SECONDS


def lease_key(job_id: int) -> str:
    return f"import-lease-{job_id}"


@contextmanager
def _leased(job_id: int):
    stop = threading.Event()

    def beat() -> None:
        while True:
            cache.set(lease_key(job_id), time.time(), None)
            if stop.wait(lease_seconds() / 4):
                return

    thread = threading.Thread(target=beat, name=f"import-lease-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        cache.delete(lease_key(job_id))


WORKER_DIED = (
    "Tiến trình xử lý tệp đã dừng đột ngột (máy chủ khởi động lại hoặc tiến trình bị tắt); "
    "chưa có dữ liệu nào được ghi. {again}"
)


def import_job_reap(job: ImportJob) -> ImportJob:
    """End a checking or importing job whose process stopped beating (see above)."""
    running = (ImportJob.Status.CHECKING, ImportJob.Status.IMPORTING)
    beat = cache.get(lease_key(job.pk))
    if job.status not in running or beat is None or time.time() - beat <= lease_seconds():
        return job  # done, never started (waiting in the queue), or alive
    importing = job.status == ImportJob.Status.IMPORTING
    status, again = (
        (ImportJob.Status.FAILED, "Hãy bấm xác nhận để nhập lại.")
        if importing
        else (ImportJob.Status.REFUSED, "Hãy tải tệp lên lại để kiểm tra.")
    )
    message = WORKER_DIED.format(again=again)
    if not ImportJob.objects.filter(pk=job.pk, status=job.status).update(
        status=status, message=message, finished_at=timezone.now()
    ):
        return ImportJob.objects.get(pk=job.pk)  # someone else ended it first
    if job.task_id:
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.filter(pk=job.task_id, status="RUNNING").update(
            status="FAILED", finished_at=timezone.now(), exception_class_path="worker died", traceback=message
        )
    cache.delete(lease_key(job.pk))
    logger.warning("import job %s: its process stopped beating; marked %s", job.pk, status)
    job.status, job.message = status, message
    return job


def _run(job: ImportJob, dry_run: bool):
    with _leased(job.pk):
        return household_import(
            user=job.user,
            unit=job.unit,
            year=job.year,
            path=job_path(job),
            name=job.original_name,
            dry_run=dry_run,
            progress=_progress(job.pk),
            kept_parse=kept_parse_path(job),
        )


def _record(job: ImportJob, result, status: str) -> None:
    job.total_rows = result.total_rows
    job.created_count, job.updated_count, job.unchanged_count = (
        result.created,
        result.updated,
        result.unchanged,
    )
    # A file that is wrong on every row would make a page nobody reads: keep the first ones.
    job.problems = [problem.__dict__ for problem in result.problems[:SHOWN_PROBLEMS]]
    job.problem_count = len(result.problems)
    job.status = status
    job.finished_at = timezone.now()
    job.save()


def _finish(job: ImportJob, status: str, message: str) -> ImportJob:
    job.status, job.message, job.finished_at = status, message, timezone.now()
    job.save()
    return job


def import_job_check(job_id: int) -> ImportJob:
    """The preview: read and check everything, write nothing to the registry."""
    job = ImportJob.objects.select_related("user", "unit").get(pk=job_id)
    try:
        result = _run(job, dry_run=True)
    except (RefusedFile, PermissionDenied) as error:
        return _finish(job, ImportJob.Status.REFUSED, str(error))
    except Exception:  # a reader's bug, the database…: the job ends, never stays "checking"
        logger.exception("import job %s check failed", job.pk)
        return _finish(job, ImportJob.Status.REFUSED, CHECK_FAILED)
    _record(job, result, ImportJob.Status.CHECKED)
    return job


def import_job_claim(job: ImportJob) -> bool:
    """Move a checked (or failed) job to importing; False if another click or tab got there first."""
    claimable = [ImportJob.Status.CHECKED, ImportJob.Status.FAILED]
    return bool(
        ImportJob.objects.filter(pk=job.pk, status__in=claimable).update(status=ImportJob.Status.IMPORTING)
    )


def import_job_commit(job_id: int) -> ImportJob:
    """Import a claimed job: all rows or none. What the registry decides is checked again (it may have
    moved on since the preview); what the file alone decides comes from the preview's kept parse."""
    job = ImportJob.objects.select_related("user", "unit").get(pk=job_id)
    try:
        result = _run(job, dry_run=False)
    except (RefusedFile, PermissionDenied) as error:
        return _finish(job, ImportJob.Status.REFUSED, str(error))
    except Exception:  # the database went away, a bug…: nothing was written (one transaction)
        logger.exception("import job %s failed", job.pk)
        if connection.connection is not None and not connection.is_usable():
            connection.close()  # the server dropped it: record the failure on a new one
        message = (
            "Việc nhập bị gián đoạn do lỗi hệ thống; chưa có dữ liệu nào được ghi. "
            "Hãy bấm xác nhận lại; nếu vẫn lỗi, báo quản trị hệ thống."
        )
        return _finish(job, ImportJob.Status.FAILED, message)
    if result.committed:
        kept_parse_path(job).unlink(missing_ok=True)
    _record(job, result, ImportJob.Status.DONE if result.committed else ImportJob.Status.CHECKED)
    return job
