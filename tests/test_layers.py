"""The floors of the house (README, Architecture): a lower floor never imports a higher one.

    povertyprog (lib, units, accounts, workdays, audit, approvals…)  <  households  <  budgets  <  reports

budgets sits beside households and imports nothing of it; reports, the top floor, may import
all. The root URLconf mounts the apps with include("app.urls") and imports none of them.
"""

import ast
from pathlib import Path

from django.test import SimpleTestCase

ROOT = Path(__file__).resolve().parent.parent
MAY_NOT_IMPORT = {
    "povertyprog": {"households", "budgets", "reports"},
    "households": {"budgets", "reports"},
    "budgets": {"households", "reports"},
    "reports": set(),
}


def imported_apps(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
    return found


class LayerTests(SimpleTestCase):
    def test_no_floor_imports_a_floor_above_it(self):
        crossings = []
        for app, forbidden in MAY_NOT_IMPORT.items():
            for path in sorted((ROOT / app).rglob("*.py")):
                name = str(path.relative_to(ROOT))
                crossings += [f"{name} imports {above}" for above in imported_apps(path) & forbidden]
        self.assertEqual(crossings, [])

    def test_the_check_sees_an_import_inside_a_function(self):
        probe = ROOT / "var" / "layer_probe.py"
        probe.parent.mkdir(exist_ok=True)
        probe.write_text("def f():\n    from reports.models import Document\n")
        try:
            self.assertEqual(imported_apps(probe), {"reports"})
        finally:
            probe.unlink()
