"""docs/document-coverage.md is true: every figure it marks "computed" is printed, with the demo
value it states, in the PDF of the demo document it names (slow: loads the whole demo)."""

import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.test import TestCase
from pypdf import PdfReader

from budgets.demo import demo_budgets_load
from households.demo import demo_registry_load
from povertyprog.accounts.demo import demo_users_load
from reports import documents
from reports.composition import compose, new_document
from reports.demo import demo_cycle_load
from tests.base import unit

COVERAGE = Path(__file__).resolve().parent.parent / "docs" / "document-coverage.md"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "documents"


def keep_pages(pdf: bytes, name: str) -> None:
    """Every page of a demo document as test-artifacts/documents/<name>-<n>.png, to put beside
    the seed it imitates (pdftoppm, 60 dpi)."""
    if shutil.which("pdftoppm") is None:
        return  # CI installs poppler-utils; the PDF text checks below run regardless
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "doc.pdf"
        source.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(source), str(ARTIFACTS / name)], check=True)


def coverage_rows() -> list[dict]:
    rows = []
    for line in COVERAGE.read_text(encoding="utf-8").splitlines():
        if not re.match(r"\| (\d{3}|–) \|", line):
            continue
        seed, figure, _, printed, document, value = [c.strip() for c in line.strip().strip("|").split("|")][
            :6
        ]
        rows.append({"seed": seed, "figure": figure, "printed": printed,
                     "document": document.strip("`"), "value": value.strip("`")})  # fmt: skip
    return rows


class DocumentCoverageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        demo_users_load()
        demo_registry_load()
        demo_budgets_load()
        demo_cycle_load()
        cls.texts = {}

    def text_of(self, spec: str) -> str:
        if spec not in self.texts:
            code, kind, years = spec.split()
            first, _, last = years.partition("-")  # "2024" or a plan's "2024-2025"
            document = new_document(unit(code), kind, int(first), last_year=int(last) if last else None)
            pdf = documents.document_pdf(document)
            keep_pages(pdf, spec.replace(" ", "-"))
            self.texts[spec] = " ".join(
                " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split()
            )
        return self.texts[spec]

    def test_every_computed_figure_of_the_coverage_table_is_printed(self):
        computed = [row for row in coverage_rows() if row["printed"].startswith("computed") and row["value"]]
        self.assertGreater(len(computed), 50)
        self.assertEqual({row["seed"] for row in computed}, {"001", "002", "003", "004", "–"})
        for row in computed:
            with self.subTest(seed=row["seed"], figure=row["figure"]):
                self.assertIn(row["value"], self.text_of(row["document"]))

    def test_the_phase_report_sums_the_phase_and_the_province_its_districts(self):
        phase = compose(new_document(unit("058"), "phase_report", 2024))["figures"]
        self.assertEqual(phase["budget"]["first_year"], 2021)
        self.assertEqual(phase["budget"]["total"]["disbursed"], 1_605_697_301)  # seed 004: 1.605,696
        self.assertEqual(phase["budget"]["disbursed_as_of"], "2024-05-30")
        self.assertEqual(
            (phase["goal"]["start"]["poor_rate"], phase["goal"]["end"]["poor_rate"]), (2.76, 1.86)
        )
        province = compose(new_document(unit("06"), "annual_report", 2024))["figures"]
        city = compose(new_document(unit("058"), "annual_report", 2024))["figures"]
        cho_moi = compose(new_document(unit("065"), "annual_report", 2024))["figures"]
        for key in ("total", "poor", "near_poor"):
            self.assertEqual(province["registry"][key], city["registry"][key] + cho_moi["registry"][key])
        self.assertEqual(
            province["budget"]["total"]["assigned"],
            city["budget"]["total"]["assigned"] + cho_moi["budget"]["total"]["assigned"],
        )
        self.assertEqual(
            set(province["budget"]["by_source"]), {"central", "local", "integrated", "credit", "mobilised"}
        )
        self.assertEqual(province["goal"]["planned_reduction"], 13 + 9)  # the communes' targets summed
