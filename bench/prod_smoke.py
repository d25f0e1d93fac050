"""Production smoke run: every page kind, asked by every demo role, on the stack of `make prod`.

    python bench/prod_smoke.py [--keep]

Creates (drops first, unless --keep and it exists) the PostgreSQL database povertyprog_smoke, loads
what `make prod` loads (unit trees, demo data), collects the static files, and starts gunicorn with
DEBUG off, the manifest static storage and the production settings (povertyprog/gunicorn_conf.py;
SECURE_COOKIES=0 only because the loopback trial speaks plain http). Then each URL of the product
(the access matrix's list, with real ids of the demo: a Sông Cầu household, its 2024 submission, an
import job, a draft document) is asked with GET by each demo role — province, district, viewer,
commune officer of Bắc Kạn, the system administrator, and Thanh Hóa's province staff as the foreign
unit — without following redirects. Prints the count of each status per role and every answer
that is not allowed: any 5xx, and a foreign user who gets anything but 404 for a Bắc Kạn record.
Exits 1 if there is one.
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

from benchdb import (
    ROOT,
    database_url,
    manage_shell,
    recreate_database,
    session_keys,
    setup_django,
    wait_until_healthy,
)

NAME = "povertyprog_smoke"
PORT = 8766
USERS = (
    "tinh.backan",
    "tp.backan",
    "xem.backan",
    "phuong.songcau",
    "phuong.backan",
    "admin",
    "tinh.thanhhoa",
)
FOREIGN = "tinh.thanhhoa"

IDS_SCRIPT = """
from households.models import Household, ImportJob
from povertyprog.accounts.models import User
from povertyprog.units.models import AdministrativeUnit as U
from reports.composition import new_document
from reports.cycle import submission_for
from reports.models import Document, ReportingPeriod
song_cau = U.objects.get(code='01837', valid_from='2021-01-01')
officer = User.objects.get(username='phuong.songcau')
household = Household.objects.filter(code__startswith='01837-').order_by('pk').first()  # in P. Bắc Kạn
job = ImportJob.objects.filter(user=officer).first() or ImportJob.objects.create(
    user=officer, unit=song_cau, year=2024, original_name='ds.xlsx', stored_name='smoke.xlsx')
document = Document.objects.filter(unit=song_cau).first()
if document is None:
    document = new_document(song_cau, 'commune_report', 2024)
    document._history_user = officer
    document.save()
submission = submission_for(song_cau, ReportingPeriod.objects.get(code='2024'))
print('ids', household.pk, job.pk, submission.pk, document.pk, song_cau.pk)
"""


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def urls(ids: dict) -> list[tuple[str, str, bool]]:
    """(route name, URL, names a Bắc Kạn record) for every route of the product but the admin."""
    setup_django(database_url(NAME))  # DEBUG off, as the server runs
    from django.urls import get_resolver

    from tests.test_access_matrix import BOUND_PARAMS, UNIT_SCOPED, _routes

    result = []
    for name, route in _routes(get_resolver().url_patterns):
        namespace = name.split(":")[0] + ":"
        key = "households:import" if name.startswith("households:import_") else namespace
        url = "/" + route.replace("<int:year>", "2024").replace("<str:code>", "2024")
        url = url.replace("<str:action>", "duyet").replace("<int:component_pk>", "2")
        url = url.replace("<int:pk>", str(ids.get(key, ids["units:"])))
        url = url.replace("<int:unit_pk>", ids["units:"]).replace("<int:household_pk>", ids["households:"])
        url = url.replace("<int:village_pk>", "0").replace("<slug:slug>", "phieu-a")
        if name in UNIT_SCOPED:
            url += f"?don_vi={ids['units:']}&nam=2024"
        bound = any(param in route for param in BOUND_PARAMS)
        result.append((name, url, bound or name in UNIT_SCOPED))
    return result


def get(path: str, session: str) -> int:
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}{path}", headers={"Cookie": f"sessionid={session}"}
    )
    try:
        with opener.open(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except TimeoutError:
        print(f"no answer in 60 s: {path}", flush=True)
        return 504


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", action="store_true", help="reuse the database if it was loaded before")
    args = parser.parse_args()
    secret = Path(tempfile.mkdtemp()) / "secret"
    secret.write_text("smoke-" + "k7" * 40)
    env = {
        **os.environ,
        "DATABASE_URL": database_url(NAME),
        "DEBUG": "0",
        "SECRET_KEY_FILE": str(secret),
        "SECURE_COOKIES": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(Path(tempfile.mkdtemp()) / "static"),
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    started = time.perf_counter()
    if not args.keep:
        recreate_database(NAME)
        for step in ("load_units", "load_demo"):
            subprocess.run([*manage, step], env=env, check=True, capture_output=True)
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, check=True)
    ids = dict(zip(("households:", "households:import", "reports:", "documents:", "units:"),
                   manage_shell(env, IDS_SCRIPT).split("ids", 1)[1].split(), strict=True))  # fmt: skip
    sessions = session_keys(env, USERS)
    print(f"prepared in {time.perf_counter() - started:.0f} s")
    gunicorn = [str(Path(sys.executable).parent / "gunicorn"), "povertyprog.wsgi"]
    # The server's log goes to a file, not a pipe: a pipe nobody reads until the end fills up (64 KB
    # of "Not Found" warnings) and then every worker thread blocks on its next log line.
    log = tempfile.TemporaryFile("w+")
    server = subprocess.Popen(
        [*gunicorn, "-c", "python:povertyprog.gunicorn_conf", "--bind", f"127.0.0.1:{PORT}"],
        env={**env, "WORKERS": "2"}, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log, text=True,
    )  # fmt: skip
    wrong: list[str] = []
    try:
        wait_until_healthy(PORT)
        routes = urls(ids)
        print(f"{len(routes)} URLs x {len(USERS)} roles, GET, DEBUG off, manifest static files, gunicorn")
        print(f"{'user':<18}" + "".join(f"{code:>6}" for code in (200, 302, 400, 403, 404, 405, 500)))
        for user in USERS:
            counts: Counter = Counter()
            for _name, path, bound in routes:
                status = get(path, sessions[user])
                counts[status] += 1
                if status >= 500:  # 504: no answer in 60 s
                    wrong.append(f"{status} {user} {path}")
                elif user == FOREIGN and bound and status not in (404, 405):  # 405: POST only
                    wrong.append(f"{status} (expected 404) {user} {path}")
            print(
                f"{user:<18}" + "".join(f"{counts[code]:>6}" for code in (200, 302, 400, 403, 404, 405, 500))
            )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        log.seek(0)
        errors = log.read()
    for line in wrong:
        print("NOT ALLOWED:", line)
    if wrong:
        print(errors[-3000:])
    print(
        "result:",
        "no 500, every foreign record 404 (or 405 to a GET on a POST-only URL)"
        if not wrong
        else f"{len(wrong)} wrong answers",
    )
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
