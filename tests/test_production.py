"""Production settings: Django's deployment checks, security headers, the health endpoint."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.test import SimpleTestCase, TestCase

ROOT = Path(__file__).resolve().parents[1]


def production_env(**values) -> dict:
    """This process's environment without test-only switches (the browser tests allow async-unsafe
    ORM calls, which check --deploy rightly refuses), plus `values`."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {**env, **values}


class DeployCheckTests(SimpleTestCase):
    def test_check_deploy_is_clean_with_the_production_settings_of_the_readme(self):
        env = production_env(
            DEBUG="0",
            SECRET_KEY=secrets.token_urlsafe(64),
            SECURE_HSTS_SECONDS="31536000",
            SECURE_SSL_REDIRECT="1",
            ALLOWED_HOSTS="giamngheo.example.gov.vn",
        )
        result = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
            env=env,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("no issues", result.stdout)

    def test_debug_off_refuses_a_weak_secret_key(self):
        env = production_env(DEBUG="0", SECRET_KEY="short")
        result = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "check"],
            env=env,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("SECRET_KEY must be set", result.stderr)


class GunicornSettingsTests(SimpleTestCase):
    def test_workers_are_threaded_and_warm_every_template_before_their_first_request(self):
        from django.template import engines

        from povertyprog import gunicorn_conf

        self.assertEqual((gunicorn_conf.worker_class, gunicorn_conf.threads), ("gthread", 4))
        engine = engines["django"].engine
        engine.template_loaders[0].reset()  # the cached loader: start empty
        gunicorn_conf.post_worker_init(worker=None)  # fails on any template that does not compile
        cached = engine.template_loaders[0].get_template_cache
        self.assertIn("households/list.html", cached)
        self.assertIn("documents/document.html", cached)  # the PDF layout


class HeaderAndHealthTests(TestCase):
    def test_pages_carry_a_content_security_policy_of_own_assets_only(self):
        response = self.client.get("/dang-nhap/")
        policy = response["Content-Security-Policy"]
        self.assertIn("default-src 'self'", policy)
        self.assertIn("script-src 'self'", policy)
        self.assertNotIn("unsafe-inline", policy)
        self.assertEqual(response["X-Frame-Options"], "DENY")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")

    def test_health_reports_database_worker_and_disk(self):
        response = self.client.get("/suc-khoe/")
        self.assertEqual(response.status_code, 200)
        data = response.json()
        self.assertEqual((data["status"], data["database"], data["worker"]), ("ok", "ok", "ok"))
        self.assertGreater(data["disk_free_mb"], 0)


class WriteLogTests(TestCase):
    def test_each_write_is_logged_with_its_user_and_unit(self):
        from povertyprog.accounts.models import Role
        from tests.base import make_user

        officer = make_user("songcau", Role.COMMUNE_OFFICER, "01837")
        self.client.force_login(officer)
        with self.assertLogs("povertyprog.writes", level="INFO") as logs:
            self.client.post("/bao-cao/thong-bao/")
        self.assertRegex(
            logs.output[0], r"write method=POST path=/bao-cao/thong-bao/ status=302 user=songcau unit=01837"
        )


class MakeProdTests(SimpleTestCase):
    def test_make_prod_creates_the_database_it_is_given_and_keeps_cookies_secure(self):
        result = subprocess.run(
            ["make", "-n", "prod", "PROD_DB=postgres://postgres@127.0.0.1:5432/povertyprog_trial"],
            capture_output=True, text=True, cwd=ROOT, env=production_env(),
        )  # fmt: skip
        commands = result.stdout
        self.assertIn('CREATE DATABASE "povertyprog_trial"', commands)
        self.assertNotRegex(commands, r"createdb.* povertyprog\b")
        self.assertIn("SECURE_COOKIES=${SECURE_COOKIES:-1}", commands)
