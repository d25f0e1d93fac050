"""GET /suc-khoe/: is this instance able to serve? For load balancers and monitoring; no login,
no data. 200 when the database answers and the disk has room; 503 otherwise. The worker is
reported "stalled" when a job has waited more than 10 minutes without being taken."""

import shutil
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone

MIN_FREE_MB = 500
WORKER_PATIENCE = timedelta(minutes=10)


def health(request):
    checks = {"database": "ok", "worker": "ok", "disk_free_mb": None}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any database failure is the answer
        checks["database"] = "down"
    else:
        checks["worker"] = _worker()
    settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
    checks["disk_free_mb"] = shutil.disk_usage(settings.MEDIA_ROOT).free // (1024 * 1024)
    healthy = checks["database"] == "ok" and checks["disk_free_mb"] >= MIN_FREE_MB
    checks["status"] = "ok" if healthy else "fail"
    return JsonResponse(checks, status=200 if healthy else 503)


def _worker() -> str:
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(status="READY", enqueued_at__lt=timezone.now() - WORKER_PATIENCE)
    return "stalled" if waiting.exists() else "ok"
