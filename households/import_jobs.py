"""Upload → check (preview) → confirm → import, as ImportJob rows, run inline or as background tasks.

Small files run in the request; larger ones go to the task queue (django-tasks, database
backend: `manage.py db_worker`), and the page follows their progress. Progress lives in the
cache, not in the job row: the import writes inside one transaction that others cannot see.
"""

import logging
import uuid
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from households.importing import household_import
from households.models import ImportJob
from povertyprog.accounts.models import User
from povertyprog.lib.spreadsheets import RefusedFile, check_upload
from povertyprog.units.models import AdministrativeUnit

logger = logging.getLogger(__name__)
BACKGROUND_BYTES = 512 * 1024  # larger uploads are checked and imported by the worker
SHOWN_PROBLEMS = 1000
CHECK_FAILED = (
    "Không kiểm tra được tệp do lỗi hệ thống khi đọc; chưa có dữ liệu nào được ghi. "
    "Hãy lưu lại tệp bằng Excel (.xlsx) rồi tải lên lại; nếu vẫn lỗi, báo quản trị hệ thống."
)


def import_dir() -> Path:
    """Uploaded files live under MEDIA_ROOT, which the app never serves, with generated names."""
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def job_path(job: ImportJob) -> Path:
    return import_dir() / job.stored_name


def import_job_create(*, user: User, unit: AdministrativeUnit, year: int, upload) -> ImportJob:
    """Store an upload (RefusedFile for the wrong kind or size) and open its job."""
    kind = check_upload(upload.name, upload.size)
    stored_name = f"{uuid.uuid4().hex}.{kind}"
    with (import_dir() / stored_name).open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return ImportJob.objects.create(
        user=user, unit=unit, year=year, original_name=Path(upload.name).name[:255], stored_name=stored_name
    )


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


def _run(job: ImportJob, dry_run: bool):
    return household_import(
        user=job.user,
        unit=job.unit,
        year=job.year,
        path=job_path(job),
        name=job.original_name,
        dry_run=dry_run,
        progress=_progress(job.pk),
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
    """Import a claimed job: all rows or none. Re-checks everything (the registry may have moved on)."""
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
    _record(job, result, ImportJob.Status.DONE if result.committed else ImportJob.Status.CHECKED)
    return job
