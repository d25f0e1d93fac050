"""gunicorn settings of the production stack (`make prod`, bench/load_test.py).

Threaded workers (gthread): a browser keeps its connection open between pages, and a sync
worker would sit idle on that connection, unable to serve anyone else, until the user clicks
again (measured: 50 users with 1-3 s between pages got p50 ≈ 300 ms, p95 ≈ 1.4 s from 4 sync
workers, on pages that take 25-45 ms alone). Threads wait on idle connections without holding
a worker. Each thread has its own database connection: workers x threads ≤ PostgreSQL's
max_connections with room for the task worker and maintenance.
"""

import os

worker_class = "gthread"
workers = int(os.environ.get("WORKERS", "4"))  # about 2 x cores
threads = int(os.environ.get("THREADS", "4"))
keepalive = 5  # seconds an idle browser connection is kept
timeout = 120  # a worker silent this long is restarted (large exports run in the task worker)
graceful_timeout = 30
preload_app = True  # settings and apps are loaded once, in the master, before the workers fork


def post_worker_init(worker) -> None:
    """Before a worker takes its first request: import every view (through the URL patterns)
    and compile every template, so that no user's first page pays for it (about a second per
    worker, measured). Done in each worker, not once in the master: some imports run helper
    processes, which the master would reap and report as failed workers."""
    from pathlib import Path

    from django.conf import settings
    from django.template.loader import get_template
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports the views)
    for folder in settings.TEMPLATES[0]["DIRS"]:
        for path in Path(folder).rglob("*.html"):
            get_template(str(path.relative_to(folder)))
