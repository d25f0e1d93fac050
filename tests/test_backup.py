"""Backup, wipe, restore: the same statistics, budgets and issued documents (PostgreSQL)."""

import hashlib
import json
import shutil
import tempfile
from datetime import date
from pathlib import Path

from django.db import connection
from django.test import TransactionTestCase, override_settings

from povertyprog.backup import BackupError, backup, restore

MEDIA = Path(tempfile.mkdtemp()) / "media"


@override_settings(MEDIA_ROOT=MEDIA)
class BackupRestoreTests(TransactionTestCase):
    def setUp(self):
        if connection.vendor != "postgresql" or shutil.which("pg_dump") is None:
            self.skipTest("pg_dump / pg_restore back up the PostgreSQL production database")
        from budgets.catalogue import catalogue_load
        from households.standards import standards_load
        from povertyprog.units.loading import units_load_all

        units_load_all()
        standards_load()
        catalogue_load()

    def fingerprint(self) -> str:
        from budgets.selectors import budget_overview, overview_as_dict
        from households.selectors import registry_stats
        from reports.models import Document
        from tests.base import unit

        city = unit("058")
        documents = [
            (
                d.reference,
                d.sha256,
                hashlib.sha256((MEDIA / "documents" / d.pdf_name).read_bytes()).hexdigest(),
            )
            for d in Document.objects.order_by("pk")
        ]
        data = {
            "stats": registry_stats(city, 2024),
            "budget": overview_as_dict(budget_overview(city, 2024)),
            "documents": documents,
        }
        return json.dumps(data, sort_keys=True, default=str)

    def test_backup_wipe_restore_gives_back_identical_figures_and_documents(self):
        from budgets.models import BudgetLine, Component, Program
        from budgets.services import budget_grid_save
        from households.models import Household
        from povertyprog.accounts.models import Role
        from reports import documents
        from reports.composition import new_document
        from reports.models import Document
        from tests.base import make_user, unit
        from tests.factory import make_household, make_review

        officer = make_user("songcau", Role.COMMUNE_OFFICER, "01837")
        district = make_user("backan", Role.DISTRICT_STAFF, "058")
        for income in (1_200_000, 3_500_000, 1_900_000):
            make_review(make_household(unit("01837"), members=3), 2024, income=income, deprived=("d_water",))
        component = Component.objects.get(program=Program.objects.for_year(2024), parent=None, number=2)
        budget_grid_save(
            user=officer,
            unit=unit("01837"),
            year=2024,
            component=component,
            opened="",
            rows={("su_nghiep", "central"): {"assigned": 123_456_789}},
        )
        draft = new_document(unit("058"), "annual_report", 2024)
        draft.fields["signer_name"] = "Hoàng Thị Thu Hương"
        draft._history_user = district
        draft.save()
        documents.document_issue(user=district, document=draft, day=date(2025, 1, 10), provisional_ok=True)
        before = self.fingerprint()

        folder = Path(tempfile.mkdtemp()) / "sao-luu"
        manifest = backup(folder)
        self.assertEqual(len(manifest["media_files"]), 1)
        Document.objects.all().delete()
        BudgetLine.objects.all().delete()
        Household.objects.all().delete()
        shutil.rmtree(MEDIA)
        self.assertFalse(Document.objects.exists())

        restore(folder)
        self.assertEqual(self.fingerprint(), before)

        (folder / "media.tar.gz").write_bytes(b"hong")
        with self.assertRaisesMessage(BackupError, "không khớp tổng kiểm tra"):
            restore(folder)
