"""Migrations load reference data from their own frozen copies (migrations/_frozen_*.py), never from
application code that changes after them. The copies and the live loaders (which restore reference
data: load_units, the browser tests' reference data) must still seed the same rows, or a database
made by the migrations would differ from one restored by the loaders."""

import ast
import importlib
from pathlib import Path

from django.test import SimpleTestCase

ROOT = Path(__file__).resolve().parent.parent

COPIES = {
    "budgets.migrations._frozen_catalogue": ("budgets.catalogue", ("PROGRAMS", "OUTPUT_KINDS")),
    "households.migrations._frozen_standards": ("households.standards", ("STANDARDS",)),
    "households.migrations._frozen_mpi": ("households.standards", ("MPI_PARAMETERS", "INDICATOR_COLUMNS")),
    "reports.migrations._frozen_legal": ("reports.legal", ("BASES", "RECOGNITION_BASES", "OFFICES")),
    "povertyprog.workdays.migrations._frozen_days": ("povertyprog.workdays.seeds", ("DAYS",)),
}
APPS = ("budgets", "households", "reports", "povertyprog")


class FrozenSeedTests(SimpleTestCase):
    def test_each_frozen_copy_seeds_what_the_live_loader_seeds(self):
        for frozen_name, (live_name, names) in COPIES.items():
            frozen, live = importlib.import_module(frozen_name), importlib.import_module(live_name)
            for name in names:
                self.assertEqual(getattr(frozen, name), getattr(live, name), f"{frozen_name}.{name}")

    def test_no_migration_imports_application_code(self):
        """Only Django, django-simple-history, the standard library and the app's own frozen copies."""
        for path in sorted(ROOT.glob("**/migrations/*.py")):
            if ".venv" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module:
                    module = node.module
                elif isinstance(node, ast.Import):
                    module = node.names[0].name
                else:
                    continue
                if module.split(".")[0] in APPS:
                    self.assertIn(
                        ".migrations._frozen_", module, f"{path.relative_to(ROOT)} imports {module}"
                    )
