"""Equivalence (issue 17): each fast path against its simple twin, on the same generated data.

- the rollups kept by the form, the bulk writer and the import equal a full rebuild, every column;
- the windowed sheet reader reads what the whole-sheet reader reads (and what was written);
- COPY writes the rows and audit rows that bulk_create with django-simple-history writes;
- the import with the server's statements overlapped writes what the serial import writes;
- a review entered through the form, the import and the bulk writer is the same row;
- copy_update writes the rows and audit rows that bulk_update with django-simple-history writes;
- the member sheet's row parser gives the values and problems that SheetReader.parse gives;
- the plan's tuple comparisons of a row with the registry say what comparing value by value says;
- the overlapped import keeps the serial audit rows of reviews its history refresh then updates;
- the commit of a preview's kept parse writes what a commit reading the workbook writes;
- the ID numbers held by other households, found by the server, are those found by fetching every
  holder and comparing in Python.

The data comes from seeded generators. The clock is frozen (tick=False): every path stamps its
rows, so timestamps compare equal too.
"""

import io
import operator
import random
import tempfile
import time
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from unittest import mock
from xml.sax.saxutils import escape

import time_machine
import xlsxwriter
from django.apps import apps
from django.db import connection, models, transaction
from django.test import SimpleTestCase, override_settings
from openpyxl import Workbook
from python_calamine import CalamineWorkbook
from simple_history.utils import bulk_create_with_history

from households import importing
from households.bulk import HouseholdSpec, ReviewSpec, households_bulk_create
from households.classification import AssessmentMethod, HouseholdClass
from households.ethnicities import ETHNICITY_NAMES, is_minority
from households.importing import (
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_FIELDS,
    HOUSEHOLD_FLAGS,
    HOUSEHOLD_SHEET,
    MEMBER_COLUMNS,
    MEMBER_SHEET,
    REVIEW_FIELDS,
    household_import,
)
from households.indicators import INDICATOR_FIELDS, MemberFacts, derive_from_members
from households.models import (
    MEMBER_ENTRY_FIELDS,
    Cause,
    EducationLevel,
    Employment,
    Household,
    HouseholdReview,
    Member,
    Origin,
    PovertyStandard,
    Relation,
    SupportNeed,
    household_derived_fields,
)
from households.review import review_figures
from households.rollups import rollups_rebuild
from households.services import derived_indicators, household_save, review_save
from povertyprog import audit
from povertyprog.accounts.models import Role
from povertyprog.lib import overlap, xlsx_windows
from povertyprog.lib.copyinsert import bulk_update_simple, copy_insert, copy_update
from povertyprog.lib.spreadsheets import SheetReader, SheetRows, _whole_rows, read_sheets
from tests.base import BaseTestCase, make_user
from tests.conftest import VN
from tests.factory import make_household

SEED = 17
YEARS = (2022, 2023, 2024)
FROZEN = datetime(2025, 2, 10, 9, tzinfo=VN)
B1_SCORES = (90, 139, 140, 141, 160, 175, 176, 230)
INCOMES = (600_000, 1_100_000, 1_450_000, 1_500_000, 1_800_000, 2_000_000, 2_200_000, 2_700_000, 3_500_000)
ETHNICITIES = ("01", "01", "01", "02", "07", "08", "55")
VILLAGES = ("Tổ 1", "Tổ 2", "Thôn Nà Cưởm", "Thôn Khuổi Mật")
SURNAMES = ("Nguyễn", "Hoàng", "Lưu", "Ma", "Đàm", "Nông")
# The indicators the members determine; the household's own observations are the others.
MEMBER_DETERMINED = list(
    derive_from_members([MemberFacts(30, True, False, "thpt", "self_employed", False, False)])
)
OBSERVED = [f for f in INDICATOR_FIELDS if f not in MEMBER_DETERMINED]
REVIEW_MARKS = [*OBSERVED, *Cause.values, *SupportNeed.values]
ROLLUP_MODELS = [m for m in apps.get_app_config("households").get_models() if m.__name__.endswith("Rollup")]


# --- Generated households -------------------------------------------------------------------


@dataclass
class Drawn:
    """A household as an officer would enter it, whatever the path."""

    head_name: str
    village: str
    ethnicity: str
    ethnic_minority: bool
    social_protection: bool
    has_merit_person: bool
    no_labour_capacity: bool
    origin: str
    members: list[dict]  # Member field values
    reviews: dict[int, dict]  # year -> entered values (not the indicators the members determine)
    scripted: bool = False  # its classes are set (scripted()): corrections leave it alone


def draw_member(rng: random.Random, number: int, head: bool) -> dict:
    birth_year = rng.randint(1935, 2021)
    born = date(birth_year, rng.randint(1, 12), rng.randint(1, 28)) if rng.random() < 0.4 else None
    others = [Relation.SPOUSE, Relation.CHILD, Relation.PARENT, Relation.GRANDCHILD]
    return {
        "full_name": f"Thành viên {number}",
        "sex": rng.choice("MF"),
        "birth_year": birth_year,
        "birth_date": born,
        "relation": Relation.HEAD if head else rng.choice(others),
        "ethnicity": "01",
        "citizen_id": "",
        "has_health_insurance": rng.random() < 0.85,
        "education_level": rng.choice(EducationLevel.values),
        "attends_school": rng.random() < 0.3,
        "employment": rng.choice(Employment.values),
        "has_disability": rng.random() < 0.1,
        "monthly_social_allowance": rng.random() < 0.1,
        "malnourished": rng.random() < 0.15,
    }


def draw_review(rng: random.Random, year: int, b1: bool = False) -> dict:
    """Entered values; by Phiếu B1 score instead of income with `b1`."""
    month = rng.choice((10, 11, 12, 13, 15))  # up to the first quarter after the year
    values = {
        "review_date": date(year + month // 13, (month - 1) % 12 + 1, rng.randint(1, 28)),
        "method": AssessmentMethod.B1_SCORE if b1 else AssessmentMethod.INCOME,
        "income_per_capita": None if b1 else rng.choice(INCOMES),
        "b1_score": rng.choice(B1_SCORES) if b1 else None,
    }
    values |= {f: rng.random() < 0.3 for f in OBSERVED}
    values |= {f: rng.random() < 0.25 for f in [*Cause.values, *SupportNeed.values]}
    return values


def draw_household(
    rng: random.Random, number: int, *, every_year=False, origins=(Origin.RESIDENT,), b1=False, sizes=(1, 6)
) -> Drawn:
    ethnicity = rng.choice(ETHNICITIES)
    years = YEARS if every_year else sorted(rng.sample(YEARS, rng.randint(1, len(YEARS))))
    return Drawn(
        head_name=f"{rng.choice(SURNAMES)} Văn Hộ {number}",
        village=rng.choice(VILLAGES),
        ethnicity=ethnicity,
        ethnic_minority=is_minority(ethnicity) or rng.random() < 0.1,
        social_protection=rng.random() < 0.2,
        has_merit_person=rng.random() < 0.2,
        no_labour_capacity=rng.random() < 0.2,
        origin=rng.choice(origins),
        members=[draw_member(rng, i + 1, head=i == 0) for i in range(rng.randint(*sizes))],
        reviews={year: draw_review(rng, year, b1) for year in years},
    )


# Scripted households, so that every rollup column is reached whatever the draw. Class paths over
# YEARS (an income under both lines; 4 deprivations make poor, none near-poor): near-poor before
# the year before, poor escaping to near-poor; EVERYTHING: deprived in every indicator, every cause.
POOR, NEAR_POOR, EVERYTHING = HouseholdClass.POOR, HouseholdClass.NEAR_POOR, "everything"
SCRIPTS = ((NEAR_POOR, NEAR_POOR, POOR), (POOR, POOR, NEAR_POOR), EVERYTHING)
NO_DEPRIVATION = {
    "birth_year": 1980,
    "birth_date": None,
    "has_health_insurance": True,
    "attends_school": False,
    "education_level": EducationLevel.UPPER_SECONDARY,
    "employment": Employment.SELF_EMPLOYED,
    "has_disability": False,
    "malnourished": False,
}
# Member by member: indicators 1 and 4; 5; 3 and 6; three dependants in four make indicator 2.
EVERY_DEPRIVATION = [
    {"birth_year": 1985, "has_health_insurance": False, "employment": Employment.UNEMPLOYED},
    {"birth_year": 2004, "education_level": EducationLevel.NONE, "has_disability": True},
    {"birth_year": 2016, "malnourished": True},
    {"birth_year": 1940},
]


def scripted(rng: random.Random, number: int, script) -> Drawn:
    """A household reviewed every year along one of SCRIPTS."""
    drawn = draw_household(rng, number, every_year=True)
    drawn.scripted, everything = True, script == EVERYTHING
    profiles = EVERY_DEPRIVATION if everything else [{}]
    drawn.members = [draw_member(rng, i + 1, i == 0) | NO_DEPRIVATION | p for i, p in enumerate(profiles)]
    classes = (POOR,) * len(YEARS) if everything else script
    for year, wanted in zip(YEARS, classes, strict=True):
        deprived = OBSERVED if everything else OBSERVED[:4] if wanted == POOR else []
        entered = drawn.reviews[year]
        entered.update(income_per_capita=1_000_000, method=AssessmentMethod.INCOME, b1_score=None)
        entered.update({f: f in deprived for f in OBSERVED})
        if everything:
            entered.update(dict.fromkeys(Cause.values, True))
    return drawn


def redraw(rng: random.Random, drawn: Drawn, year: int, grow: bool | None = None) -> None:
    """A correction: another income, a household flag, a member more or fewer."""
    drawn.reviews[year]["income_per_capita"] = rng.choice(INCOMES)
    drawn.reviews[year][rng.choice(OBSERVED)] ^= True
    flag = rng.choice(["social_protection", "has_merit_person", "no_labour_capacity"])
    setattr(drawn, flag, not getattr(drawn, flag))
    redraw_members(rng, drawn, grow)


def redraw_members(rng: random.Random, drawn: Drawn, grow: bool | None = None) -> None:
    """A member more, or fewer (never the head); at random unless `grow` says."""
    if len(drawn.members) > 1 and (not grow if grow is not None else rng.random() < 0.5):
        drawn.members.pop()
    else:
        drawn.members.append(draw_member(rng, len(drawn.members) + 1, head=False))


HOUSEHOLD_ATTRS = ["head_name", "village", "ethnicity", *HOUSEHOLD_FLAGS, "origin"]


# --- The three write paths ------------------------------------------------------------------


def form_household(user, commune, drawn: Drawn) -> Household:
    household = Household(commune=commune, **{name: getattr(drawn, name) for name in HOUSEHOLD_ATTRS})
    household_save(user=user, household=household, expected_version=None)
    form_members(household, drawn)
    return household


def form_members(household: Household, drawn: Drawn) -> None:
    household.members.all().delete()
    Member.objects.bulk_create(Member(household=household, **values) for values in drawn.members)


def form_review(user, household: Household, year: int, entered: dict) -> HouseholdReview:
    """The review page: opened on the current row, the members' indicators filled in, saved."""
    review = household.reviews.filter(year=year).first() or HouseholdReview(household=household, year=year)
    opened_at = review.updated_at.isoformat() if review.pk else ""
    for name, value in entered.items():
        setattr(review, name, value)
    for name, value in derived_indicators(household, review.review_date).items():
        setattr(review, name, value)
    return review_save(
        user=user, household=household, review=review, override_reasons={}, opened_at=opened_at
    )


def bulk_spec(code: str, commune, drawn: Drawn, rng: random.Random) -> HouseholdSpec:
    reviews = [
        ReviewSpec(
            year=year,
            income=values["income_per_capita"],
            deprived={f for f in OBSERVED if values[f]},
            causes={c for c in Cause.values if values[c]},
            needs={n for n in SupportNeed.values if values[n]},
            review_date=values["review_date"],
        )
        for year, values in drawn.reviews.items()
    ]
    rng.shuffle(reviews)  # in any order, as callers may give them
    return HouseholdSpec(
        code=code,
        commune=commune,
        members=[Member(**values) for values in drawn.members],
        reviews=reviews,
        **{name: getattr(drawn, name) for name in HOUSEHOLD_ATTRS},
    )


HOUSEHOLD_HEADERS = {c.key: c.header for c in HOUSEHOLD_COLUMNS}
MEMBER_HEADERS = {c.key: c.header for c in MEMBER_COLUMNS}
HOUSEHOLD_KEYS = ["code", "commune_code", "head_name", "village", "ethnicity", *HOUSEHOLD_FLAGS, "income",
                  "b1_score", "review_date", *REVIEW_MARKS]  # fmt: skip


def yes_no(value: bool) -> str:
    return "Có" if value else "Không"


def import_workbook(entries, year: int, with_members=None) -> bytes:
    """A household list of `year`: entries (code or None, commune code, Drawn); the member sheet
    lists the households whose codes are in `with_members` (all with a code by default)."""
    book = Workbook()
    sheet = book.active
    sheet.title = HOUSEHOLD_SHEET
    sheet.append([HOUSEHOLD_HEADERS[k] for k in HOUSEHOLD_KEYS])
    member_sheet = book.create_sheet(MEMBER_SHEET)
    member_sheet.append([MEMBER_HEADERS[k] for k in ["code", *MEMBER_ENTRY_FIELDS]])
    for code, commune_code, drawn in entries:
        entered = drawn.reviews[year]
        row = {
            "code": code,
            "commune_code": commune_code,
            "head_name": drawn.head_name,
            "village": drawn.village,
            # by code or by name, as files come
            "ethnicity": drawn.ethnicity if len(drawn.head_name) % 2 else ETHNICITY_NAMES[drawn.ethnicity],
            **{flag: yes_no(getattr(drawn, flag)) for flag in HOUSEHOLD_FLAGS},
            "income": entered["income_per_capita"],
            "b1_score": entered["b1_score"],
            "review_date": entered["review_date"],
            **{mark: "x" if entered[mark] else None for mark in REVIEW_MARKS},
        }
        sheet.append([row[k] for k in HOUSEHOLD_KEYS])
        if code and (with_members is None or code in with_members):
            for member in drawn.members:
                cells = [
                    yes_no(v) if isinstance(v, bool) else v for v in map(member.get, MEMBER_ENTRY_FIELDS)
                ]
                member_sheet.append([code, *cells])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def run_import(user, unit, year: int, content: bytes):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ds.xlsx"
        path.write_bytes(content)
        return household_import(user=user, unit=unit, year=year, path=path, name="ds.xlsx", dry_run=False)


# --- Comparing tables -----------------------------------------------------------------------


def columns(model, skip=("id",)) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if f.attname not in skip]


def rollup_tables() -> dict[str, list[tuple]]:
    """Every rollup table, every column but the id, in a stable order."""
    return {m.__name__: sorted(m.objects.values_list(*columns(m)), key=repr) for m in ROLLUP_MODELS}


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])  # no login here
class EquivalenceTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.dq_officer = make_user("duongquang", Role.COMMUNE_OFFICER, "01849")
        cls.communes = [cls.song_cau, cls.duong_quang]
        cls.officers = {cls.song_cau.pk: cls.officer, cls.duong_quang.pk: cls.dq_officer}

    def setUp(self):
        traveller = time_machine.travel(FROZEN, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    def assertRollupsExact(self, step: str) -> None:
        maintained = rollup_tables()
        rollups_rebuild()
        rebuilt = rollup_tables()
        self.assertTrue(rebuilt["RegistryRollup"])
        for name, rows in rebuilt.items():
            self.assertEqual(maintained[name], rows, f"{name} after {step}")

    def assertEveryColumnVaries(self) -> None:
        """The generated data gives every rollup column two values at least: a column the
        maintained rows got wrong would show."""
        self.assertGreaterEqual(len(ROLLUP_MODELS), 2)
        for model in ROLLUP_MODELS:
            for name in columns(model):
                if not model._meta.get_field(name.removesuffix("_id")).is_relation:
                    values = set(model.objects.values_list(name, flat=True))
                    self.assertGreater(len(values), 1, f"{model.__name__}.{name}: {values}")

    def import_file(self, commune, year: int, entries, **options):
        content = import_workbook([(code, commune.code, d) for code, d in entries], year, **options)
        result = run_import(self.officers[commune.pk], commune, year, content)
        self.assertTrue(result.committed, result.problems)
        return result


# --- 1. Rollups -----------------------------------------------------------------------------


class RollupEquivalenceTests(EquivalenceTestCase):
    def test_the_form_keeps_every_rollup_column_equal_to_a_full_rebuild(self):
        rng = random.Random(SEED)
        origins = (Origin.RESIDENT,) * 4 + (Origin.MOVED_IN, Origin.SPLIT)
        drawn = [draw_household(rng, n, every_year=n % 2 == 0, origins=origins) for n in range(8)]
        drawn += [scripted(rng, 20 + n, classes) for n, classes in enumerate(SCRIPTS)]
        entered, scripts = [], []
        for household in drawn:
            commune = rng.choice(self.communes)
            saved = form_household(self.officers[commune.pk], commune, household)
            entered += [(saved, household, year) for year in household.reviews]
            if household.scripted:
                scripts.append((saved, household))
        rng.shuffle(entered)  # later years before earlier ones, too
        for household, values, year in entered:
            form_review(self.officers[household.commune_id], household, year, values.reviews[year])
            self.assertRollupsExact(f"the review {household.code}/{year}")
        corrected = rng.sample([e for e in entered if not e[1].scripted], 4)
        for n, (household, values, year) in enumerate(corrected):
            redraw(rng, values, year, grow=n % 2 == 0)
            form_members(household, values)
            form_review(self.officers[household.commune_id], household, year, values.reviews[year])
            self.assertRollupsExact(f"the correction {household.code}/{year}")
        for (household, values), grow in zip((scripts[2], scripts[0]), (False, True), strict=True):
            redraw_members(rng, values, grow)  # whatever the draw, one shrinks and one grows
            form_members(household, values)
            form_review(self.officers[household.commune_id], household, YEARS[-1], values.reviews[YEARS[-1]])
            self.assertRollupsExact(f"the members of {household.code}")
        self.assertEveryColumnVaries()

    def test_the_bulk_writer_keeps_every_rollup_column_equal_to_a_full_rebuild(self):
        rng = random.Random(SEED + 1)
        for n in range(4):  # reviews the bulk writer did not write share its communes and years
            drawn = draw_household(rng, n, every_year=True)
            household = form_household(self.officer, self.song_cau, drawn)
            for year, entered in drawn.reviews.items():
                redraw_members(rng, drawn)  # a household that grows or shrinks between years
                form_members(household, drawn)
                form_review(self.officer, household, year, entered)
        origins = (Origin.RESIDENT,) * 4 + (Origin.MOVED_IN, Origin.SPLIT)
        for batch in range(3):
            drawn = [draw_household(rng, n, origins=origins) for n in range(12)]
            if batch == 0:
                drawn += [scripted(rng, 20 + n, classes) for n, classes in enumerate(SCRIPTS)]
            specs = []
            for n, household in enumerate(drawn):
                commune = rng.choice(self.communes)
                specs.append(bulk_spec(f"{commune.code}-B{batch}{n:03d}", commune, household, rng))
            households_bulk_create(specs)
            self.assertRollupsExact(f"bulk batch {batch}")
        self.assertEveryColumnVaries()

    def test_the_import_keeps_every_rollup_column_equal_to_a_full_rebuild(self):
        rng = random.Random(SEED + 2)
        results = []
        with mock.patch.object(importing, "BATCH_SIZE", 4):  # several batches a file
            for commune in self.communes:
                listed = [
                    (f"{commune.code}-I{n:04d}", draw_household(rng, n, every_year=True, sizes=(2, 6)))
                    for n in range(14)
                ]
                for n in (3, 7):  # households that moved in, added by the form, reviewed by the import
                    drawn = draw_household(rng, n, every_year=True, origins=(Origin.MOVED_IN,))
                    listed[n] = (form_household(self.officers[commune.pk], commune, drawn).code, drawn)
                for n, classes in zip((4, 6, 8), SCRIPTS, strict=True):  # in every file below
                    listed[n] = (listed[n][0], scripted(rng, n, classes))
                unnumbered = [(None, draw_household(rng, 100 + n, every_year=True)) for n in range(2)]
                steps = [
                    (2023, listed[:10] + unnumbered, {}),  # new households, two without a code
                    (2022, listed[4:14], {}),  # an earlier year: changes 2023's transitions
                    (2024, listed[::2], {"with_members": set()}),  # the others leave (other decrease)
                    (2023, "corrected", {}),  # some changed, the others unchanged
                    (2022, listed[4:14], {}),  # again: unchanged, or changed households since
                ]
                for year, entries, options in steps:
                    if entries == "corrected":
                        entries = listed[:10]
                        # 0 and 2 are in the 2024 file too: its reviews now follow a changed 2023
                        for n in (0, 1, 2, 5):
                            redraw(rng, entries[n][1], year, grow=n in (0, 5))
                    results.append(self.import_file(commune, year, entries, **options))
                    self.assertRollupsExact(f"importing {commune.code}'s list of {year}")
        self.assertTrue(all(sum(getattr(r, n) for r in results) for n in ("created", "updated", "unchanged")))
        self.assertEveryColumnVaries()


# --- 2. The windowed sheet reader -----------------------------------------------------------


def typed(value):
    """A cell with its kind: True and 1.0 differ, 12 and 12.0 do not (calamine reads numbers as floats)."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float):
        return ("number", float(value))
    return (type(value).__name__, value)


def canonical_rows(rows) -> list[list]:
    """Rows without their trailing blank cells and trailing blank rows (the readers pad rows to
    different widths; a missing cell and a blank one read alike)."""
    result = []
    for row in rows:
        row = list(row)
        while row and row[-1] in ("", None):
            row.pop()
        result.append([typed(value) for value in row])
    while result and not result[-1]:
        result.pop()
    return result


def written_rows(cells: dict[tuple[int, int], object]) -> list[list]:
    """The rows of a sheet given as {(row, column) 1-based: value}."""
    rows = [[""] * max(c for _, c in cells) for _ in range(max(r for r, _ in cells))]
    for (row, column), value in cells.items():
        rows[row - 1][column - 1] = value
    return canonical_rows(rows)


def whole_rows(path: Path, name: str) -> list[list]:
    return canonical_rows(_whole_rows(CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name)))


def windowed_rows(path: Path, name: str, window: int) -> tuple[list[list], int]:
    """The sheet read by windows of `window` bytes of XML, and how many windows that took."""
    windows = xlsx_windows.sheet_windows(path, name)
    assert windows is not None, name
    with zipfile.ZipFile(path) as archive, archive.open(windows.part) as xml:
        pieces = sum(1 for _ in xlsx_windows._pieces(xml, window))
    with mock.patch.object(xlsx_windows, "WINDOW_BYTES", window):
        return canonical_rows(xlsx_windows.window_rows(path, windows)), pieces


TEXTS = (
    "Nguyễn Văn A",
    "Thôn Nà Cưởm",
    'a & b <c> "d"',
    "x",
    "Có",
    "1.500.000",
    "'=1+1",
    "hai\ndòng",
    "Ơ-đu",
)


def draw_value(rng: random.Random):
    kind = rng.randrange(7)
    if kind < 2:
        return f"{rng.choice(TEXTS)} {rng.randrange(40)}" if rng.random() < 0.5 else rng.choice(TEXTS)
    if kind == 2:
        return rng.randint(-(10**6), 10**9)
    if kind == 3:
        return round(rng.uniform(-1000, 1000), 2)
    if kind == 4:
        return rng.random() < 0.5
    day = date(2020, 1, 1) + timedelta(days=rng.randrange(2500))
    if kind == 5:
        return day
    return datetime(day.year, day.month, day.day, rng.randrange(24), rng.randrange(60), rng.randrange(60))


FAR = 52  # column AZ


def draw_cells(rng: random.Random, rows: int) -> dict[tuple[int, int], object]:
    """Rows with gaps, starting in any column, some reaching column AZ, some long, the last filled."""
    cells = {}
    for row in range(1, rows + 1):
        if row < rows and rng.random() < 0.15:
            continue  # an empty row
        used = rng.sample(range(1, 16), rng.randint(1, 5))
        if rng.random() < 0.1:
            used = [FAR]
        elif rng.random() < 0.15:
            used += [FAR, *range(20, 20 + rng.randint(5, 25))]  # longer than a window
        for column in used:
            cells[row, column] = draw_value(rng)
    return cells


def column_name(number: int) -> str:
    name = ""
    while number:
        number, rest = divmod(number - 1, 26)
        name = chr(65 + rest) + name
    return name


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"


def handmade_workbook(rng: random.Random, rows: int, odd: bool = False) -> tuple[bytes, dict]:
    """An .xlsx written by hand: inline strings (plain and rich), shared strings, booleans,
    numbers, dates by style, cells with only a style, rows without cells; and its values.
    `odd`: also "</row>" as text, in CDATA sections and in comments between rows."""
    # Shared strings: one rich (two runs), one that starts with the marker the windowed reader
    # gives shared-string cells (xlsx_windows.MARK), as does an inline string below.
    shared = ["Chung một", "Thôn Bản Cạu", "a & b", "\ue0001 riêng", "Hai phần"]
    styles = {1: "14", 2: "164"}  # built-in d/m/yyyy, and dd/mm/yyyy hh:mm
    cells, xml_rows = {}, []
    for row in range(1, rows + 1):
        if row < rows and rng.random() < 0.1:
            xml_rows.append(f'<row r="{row}"/>')
            continue
        used = sorted(rng.sample(range(1, 12), rng.randint(1, 5)) + ([FAR] if rng.random() < 0.15 else []))
        parts = []
        for column in used:
            ref, kind = f"{column_name(column)}{row}", rng.randrange(8)
            if kind == 0 and odd:
                text = f'a</row><row r="{row + 1}"> & {row}'
                parts.append(f'<c r="{ref}" t="inlineStr"><is><t><![CDATA[{text}]]></t></is></c>')
            elif kind == 0:
                text = f"{rng.choice(TEXTS)} {row}" if rng.random() < 0.9 else f"\ue000{row % len(shared)}"
                parts.append(
                    f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'
                )
            elif kind == 1:
                text = f"Phần {row} và phần sau"
                parts.append(
                    f'<c r="{ref}" t="inlineStr"><is><r><t xml:space="preserve">Phần {row} </t></r>'
                    "<r><rPr><b/></rPr><t>và phần sau</t></r></is></c>"
                )
            elif kind == 2:  # t="s" last (as Excel writes it) or before the style (read with the table)
                index = rng.randrange(len(shared))
                text = shared[index]
                style = rng.choice(('t="s"', 't="s" s="0"', 's="0" t="s"'))
                parts.append(f'<c r="{ref}" {style}><v>{index}</v></c>')

            elif kind == 3:
                text = rng.random() < 0.5
                parts.append(f'<c r="{ref}" t="b"><v>{int(text)}</v></c>')
            elif kind == 4:
                text = rng.randint(-5000, 5000) / 4
                parts.append(f'<c r="{ref}"><v>{text}</v></c>')
            elif kind == 5:
                text = date(2021, 1, 1) + timedelta(days=rng.randrange(2000))
                parts.append(f'<c r="{ref}" s="1"><v>{(text - date(1899, 12, 30)).days}</v></c>')
            elif kind == 6:
                day = rng.randrange(2000)
                text = datetime(2021, 1, 1) + timedelta(days=day, hours=12)
                parts.append(f'<c r="{ref}" s="2"><v>{(text - datetime(1899, 12, 30)).days}.5</v></c>')
            else:
                parts.append(f'<c r="{ref}" s="1"/>')  # a style, no value
                continue
            cells[row, column] = text
        xml_rows.append(f'<row r="{row}">{"".join(parts)}</row>')
        if odd and row % 7 == 0:
            xml_rows.append(f'<!-- </row><row r="{10 * rows}"> -->')
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}">'
        f'<dimension ref="A1:{column_name(FAR)}{rows}"/><sheetFormatPr defaultRowHeight="15"/>'
        f'<sheetData>{"".join(xml_rows)}</sheetData><pageMargins left="0.7" right="0.7" top="0.75" '
        'bottom="0.75" header="0.3" footer="0.3"/></worksheet>'
    )
    strings = "".join(
        f"<si><t>{escape(s)}</t></si>"
        if s != "Hai phần"
        else '<si><r><t xml:space="preserve">Hai </t></r><r><t>phần</t></r></si>'
        for s in shared
    )
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_PACKAGE}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_PACKAGE}.worksheet+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_PACKAGE}.styles+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_PACKAGE}.sharedStrings+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{_RELATIONSHIPS}"><Relationship Id="rId1" '
            f'Type="{_DOC_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_DOC_REL}"><sheets>'
            f'<sheet name="{HOUSEHOLD_SHEET}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{_RELATIONSHIPS}">'
            f'<Relationship Id="rId1" Type="{_DOC_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_DOC_REL}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId3" Type="{_DOC_REL}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": (
            f'<styleSheet xmlns="{_MAIN}"><numFmts count="1"><numFmt numFmtId="164" '
            'formatCode="dd/mm/yyyy hh:mm"/></numFmts><fonts count="1"><font/></fonts><fills count="1">'
            '<fill/></fills><borders count="1"><border/></borders>'
            '<cellStyleXfs count="1"><xf/></cellStyleXfs>'
            f'<cellXfs count="3"><xf numFmtId="0"/>'
            + "".join(f'<xf numFmtId="{styles[i]}" applyNumberFormat="1"/>' for i in (1, 2))
            + "</cellXfs></styleSheet>"
        ),
        "xl/sharedStrings.xml": f'<sst xmlns="{_MAIN}" uniqueCount="{len(shared)}">{strings}</sst>',
        "xl/worksheets/sheet1.xml": sheet,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue(), cells


WINDOWS = (150, 300, 700)  # bytes of sheet XML: rows fall on both sides of many cuts


class WindowedReaderTests(SimpleTestCase):
    def setUp(self):
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.folder = Path(folder.name)

    def assertWindowsReadTheSheet(self, path: Path, name: str, cells: dict) -> None:
        whole = whole_rows(path, name)
        self.assertEqual(whole, written_rows(cells), f"the whole reader, sheet {name}")
        for window in WINDOWS:
            windowed, pieces = windowed_rows(path, name, window)
            self.assertGreater(pieces, 10)
            self.assertEqual(windowed, whole, f"windows of {window} bytes, sheet {name}")

    def assertStrings(self, path: Path, kinds: set[bytes]) -> None:
        """The sheets hold text cells of these kinds (t="s" shared, t="inlineStr" inline)."""
        with zipfile.ZipFile(path) as archive:
            xml = b"".join(archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/"))
        self.assertEqual({kind for kind in (b"s", b"inlineStr") if b' t="%s"' % kind in xml}, kinds)

    def test_windows_of_an_openpyxl_workbook_read_as_the_whole_sheet(self):
        rng = random.Random(SEED + 3)
        book = Workbook()
        sheets = {HOUSEHOLD_SHEET: book.active, MEMBER_SHEET: book.create_sheet(MEMBER_SHEET)}
        sheets[HOUSEHOLD_SHEET].title = HOUSEHOLD_SHEET
        drawn = {name: draw_cells(rng, 90) for name in sheets}
        for name, sheet in sheets.items():
            for (row, column), value in drawn[name].items():
                sheet.cell(row=row, column=column, value=value)
        path = self.folder / "openpyxl.xlsx"
        book.save(path)
        self.assertStrings(path, {b"inlineStr"})  # openpyxl 3.1 writes its text inline
        for name, cells in drawn.items():
            self.assertWindowsReadTheSheet(path, name, cells)

    def test_windows_of_a_workbook_with_shared_strings_read_as_the_whole_sheet(self):
        rng = random.Random(SEED + 4)
        path = self.folder / "xlsxwriter.xlsx"
        book = xlsxwriter.Workbook(str(path))
        formats = {date: book.add_format({"num_format": "dd/mm/yyyy"}),
                   datetime: book.add_format({"num_format": "dd/mm/yyyy hh:mm:ss"})}  # fmt: skip
        drawn = {name: draw_cells(rng, 90) for name in (HOUSEHOLD_SHEET, MEMBER_SHEET)}
        for name, cells in drawn.items():
            sheet = book.add_worksheet(name)
            for (row, column), value in cells.items():
                if type(value) in formats:
                    sheet.write_datetime(row - 1, column - 1, value, formats[type(value)])
                else:
                    sheet.write(row - 1, column - 1, value)
        book.close()
        self.assertStrings(path, {b"s"})
        for name, cells in drawn.items():
            self.assertWindowsReadTheSheet(path, name, cells)

    def test_windows_of_a_handmade_workbook_read_as_the_whole_sheet(self):
        rng = random.Random(SEED + 5)
        content, cells = handmade_workbook(rng, 120)
        path = self.folder / "handmade.xlsx"
        path.write_bytes(content)
        self.assertStrings(path, {b"s", b"inlineStr"})
        self.assertTrue({str, bool, float, date, datetime} <= {type(v) for v in cells.values()})
        self.assertWindowsReadTheSheet(path, HOUSEHOLD_SHEET, cells)

    def test_a_sheet_with_row_ends_as_text_reads_as_the_whole_sheet(self):
        """ "</row>" in a CDATA section or a comment is text, not the end of a row: the import's
        reader (windows where it can cut safely) reads such a sheet as the whole-sheet reader."""
        rng = random.Random(SEED + 6)
        content, cells = handmade_workbook(rng, 60, odd=True)
        path = self.folder / "odd.xlsx"
        path.write_bytes(content)
        with zipfile.ZipFile(path) as archive:
            self.assertIn(b"<![CDATA[a</row>", archive.read("xl/worksheets/sheet1.xml"))
        whole = whole_rows(path, HOUSEHOLD_SHEET)
        self.assertEqual(whole, written_rows(cells))
        with mock.patch.object(xlsx_windows, "WINDOW_BYTES", 150):
            read = canonical_rows(read_sheets(path, "xlsx")[HOUSEHOLD_SHEET].rows)
        self.assertEqual(read, whole)


# --- 3. COPY and bulk_create ----------------------------------------------------------------


def copy_writer(model, rows, user, reason) -> list:
    return copy_insert(model, rows, history_user=user, change_reason=reason)


def django_writer(model, rows, user, reason) -> list:
    objects = [row if isinstance(row, models.Model) else model(**row) for row in rows]
    bulk_create_with_history(objects, model, batch_size=500, default_user=user, default_change_reason=reason)
    return [obj.pk for obj in objects]


def table_by_position(queryset, positions: dict[int, int]) -> list[tuple]:
    """Rows by all their columns, the id replaced by its row's position in the input (the
    audit row's own id dropped)."""
    rows = []
    for values in queryset.values():
        values.pop("history_id", None)
        values["id"] = positions[values["id"]]
        rows.append(tuple(sorted(values.items())))
    return sorted(rows, key=repr)


ODD_TEXT = 'Giếng "chung"\tthôn\\Bản\nNà Cưởm'


class CopyEquivalenceTests(EquivalenceTestCase):
    def setUp(self):
        if connection.vendor != "postgresql":
            self.skipTest("COPY is PostgreSQL's; elsewhere copy_insert is bulk_create itself")
        super().setUp()
        self.rng = random.Random(SEED + 5)
        self.parents = []
        for n in range(8):
            drawn = draw_household(self.rng, n)
            self.parents.append(form_household(self.officer, self.song_cau, drawn))
        self.standard = PovertyStandard.objects.for_year(2023)

    def household_rows(self) -> list[dict]:
        """New households as the import gives them to copy_insert: dicts, some fields left out."""
        rng, rows = random.Random(SEED + 6), []
        for n in range(30):
            drawn = draw_household(rng, n)
            row = {name: getattr(drawn, name) for name in HOUSEHOLD_FIELDS if name != "address"}
            address = (
                ODD_TEXT if n % 3 == 0 else f"Số {n}" * (n % 2)
            )  # tabs, newlines, backslashes: COPY escapes them
            row.update(code=f"01837-C{n:04d}", commune_id=self.song_cau.pk, address=address)
            rows.append(row | household_derived_fields(drawn.head_name, row["code"]))
        return rows

    def member_rows(self) -> list[Member]:
        rng, rows = random.Random(SEED + 7), []
        for n in range(40):
            values = draw_member(rng, n, head=n % 5 == 0) | {"citizen_id": f"0011{n:08d}" if n % 3 else ""}
            rows.append(Member(household=self.parents[n % len(self.parents)], **values))
        return rows

    def review_rows(self, year: int, as_models: bool) -> list:
        """Reviews as the import makes them (dicts, history fields left to their defaults) or as
        instances with every field set."""
        rng, rows = random.Random(SEED + year), []
        for n, household in enumerate(self.parents):
            entered = draw_review(rng, year)
            row = {name: entered.get(name, False) for name in REVIEW_FIELDS}
            row.update(review_type="periodic", reviewer=f"Cán bộ {n}" * (n % 2), b1_score=None)
            row.update(household_id=household.pk, year=year, overrides={"d_water": ODD_TEXT} if n % 3 else {})
            figures = review_figures(
                row, household=vars(household), commune=self.song_cau, standard=self.standard,
                members_count=rng.randint(1, 7),
            )  # fmt: skip
            row.update(figures)
            if as_models:
                row.update(
                    prev_class="poor", prev_members_count=3, escaped_poverty_year=year, recently_escaped=True
                )
                rows.append(HouseholdReview(**row))
            else:
                rows.append(row)
        return rows

    def written(self, model, make_rows, writer) -> dict[str, list]:
        """The rows and audit rows `writer` leaves, rolled back afterwards."""
        with transaction.atomic():
            ids = writer(model, make_rows(), self.officer, "Nhập tệp “ds.xlsx”")
            positions = {pk: n for n, pk in enumerate(ids)}
            table = {
                "rows": table_by_position(model.objects.filter(pk__in=ids), positions),
                "audit": table_by_position(model.history.filter(id__in=ids), positions),
            }
            transaction.set_rollback(True)
        return table

    def test_copy_writes_the_rows_and_audit_rows_bulk_create_writes(self):
        cases = {
            "households (dicts)": (Household, self.household_rows),
            "members (instances)": (Member, self.member_rows),
            "reviews (dicts)": (HouseholdReview, lambda: self.review_rows(2023, as_models=False)),
            "reviews (instances)": (HouseholdReview, lambda: self.review_rows(2024, as_models=True)),
        }
        for case, (model, make_rows) in cases.items():
            with self.subTest(case):
                copied = self.written(model, make_rows, copy_writer)
                created = self.written(model, make_rows, django_writer)
                self.assertEqual(len(copied["rows"]), len(make_rows()))
                self.assertEqual(len(copied["audit"]), len(copied["rows"]))
                self.assertEqual(copied["rows"], created["rows"])
                self.assertEqual(copied["audit"], created["audit"])

    def test_a_row_another_writer_added_inside_the_reserved_range_gets_no_audit_row_of_ours(self):
        """copy_insert copies the audit rows of an id range without the list of ids when its ids
        are the whole range. Here another writer takes a value of the sequence while the ids are
        reserved: its household lies inside the range, and must keep its own audit row alone."""
        from povertyprog.lib import copyinsert

        reserve, others = copyinsert._reserve_ids, []

        def reserve_with_a_writer_between(model, count):
            first = reserve(model, count // 2)
            others.append(form_household(self.officer, self.song_cau, draw_household(self.rng, 99)))
            return first + reserve(model, count - count // 2)

        with mock.patch.object(copyinsert, "_reserve_ids", reserve_with_a_writer_between):
            ids = copy_insert(
                Household, self.household_rows(), history_user=self.officer, change_reason="tệp"
            )
        other = others[0].pk
        self.assertTrue(min(ids) < other < max(ids))
        reasons = list(Household.history.filter(id=other).values_list("history_change_reason", flat=True))
        self.assertEqual(len(reasons), 1)  # the form's audit row only
        self.assertNotEqual(reasons[0], "tệp")
        self.assertEqual(Household.history.filter(id__in=ids, history_change_reason="tệp").count(), len(ids))


# --- 4. Overlapped server statements --------------------------------------------------------


def import_outcome() -> dict[str, list]:
    """Households, members, reviews, their audit rows and the rollups, by natural keys: the
    household's code, a member's rank in its household, a review's year (ids differ between runs)."""
    codes = dict(Household.objects.values_list("pk", "code"))
    ranks, keys = {}, {Household: codes, HouseholdReview: {}, Member: {}}
    for pk, household_id in Member.objects.order_by("pk").values_list("pk", "household_id"):
        ranks[household_id] = ranks.get(household_id, 0) + 1
        keys[Member][pk] = (codes[household_id], ranks[household_id])
    for pk, household_id, year in HouseholdReview.objects.values_list("pk", "household_id", "year"):
        keys[HouseholdReview][pk] = (codes[household_id], year)
    outcome = rollup_tables()
    for model, key in keys.items():
        for table in (model.objects.all(), model.history.all()):
            rows = []
            for values in table.values():
                values.pop("history_id", None)
                values["id"] = key.get(values["id"], values["id"])  # a deleted member keeps its id
                if "household_id" in values:
                    values["household_id"] = codes.get(values["household_id"], values["household_id"])
                rows.append(tuple(sorted(values.items())))
            outcome[table.model.__name__] = sorted(rows, key=repr)
    return outcome


class OverlapEquivalenceTests(EquivalenceTestCase):
    def test_the_overlapped_import_writes_what_the_serial_import_writes(self):
        if connection.vendor != "postgresql":
            self.skipTest("the server's statements overlap Python's work on PostgreSQL only")
        rng = random.Random(SEED + 8)
        listed = [(f"01837-V{n:04d}", draw_household(rng, n, every_year=True)) for n in range(30)]
        self.import_file(self.song_cau, 2023, listed[:18])  # the registry before
        for _, drawn in rng.sample(listed[:18], 6):
            redraw(rng, drawn, 2023)
        entries = listed[6:] + [(None, draw_household(rng, 100 + n, every_year=True)) for n in range(3)]
        original_run = overlap._Background._run
        outcomes, statements = {}, {}
        for overlapped in (False, True):
            ran = []

            def run(work, sql, params, ran=ran):
                ran.append(sql)
                original_run(work, sql, params)

            with (
                override_settings(OVERLAP_SERVER_WORK=overlapped),
                mock.patch.object(overlap._Background, "_run", run),
                mock.patch.object(importing, "BATCH_SIZE", 5),
                transaction.atomic(),
            ):
                result = self.import_file(self.song_cau, 2023, entries)
                self.assertTrue(result.created and result.updated and result.unchanged)
                outcomes[overlapped], statements[overlapped] = import_outcome(), len(ran)
                transaction.set_rollback(True)
        self.assertEqual(statements[False], 0)
        self.assertGreater(statements[True], 6)  # audit copies and checks of several batches
        self.assertEqual(outcomes[True].keys(), outcomes[False].keys())
        for name, rows in outcomes[False].items():
            self.assertTrue(rows, name)
            self.assertEqual(outcomes[True][name], rows, name)

    def test_new_reviews_whose_history_the_same_import_refreshes_keep_the_serial_audit_rows(self):
        """Households the registry has with the years before and after, none of the imported year:
        the import inserts their reviews of the year (audit rows "+" copied by the server) and its
        history refresh then updates those very reviews (the previous class comes from the year
        before) and the year after's. Overlapped, the "+" copies may run after that UPDATE: they
        must still describe the reviews as inserted, as the serial import's do. "Slow server": each
        background statement waits a moment before it starts, as behind a long queue of copies."""
        if connection.vendor != "postgresql":
            self.skipTest("the server's statements overlap Python's work on PostgreSQL only")
        rng = random.Random(SEED + 9)
        listed = [(f"01837-H{n:04d}", draw_household(rng, n, every_year=True)) for n in range(24)]
        for n, classes in zip((1, 5, 9), SCRIPTS, strict=True):  # class paths that change the history
            listed[n] = (listed[n][0], scripted(rng, n, classes))
        self.import_file(self.song_cau, 2022, listed[:20])  # the registry before: 2022 and 2024
        self.import_file(self.song_cau, 2024, listed[:16])
        for _, drawn in rng.sample(listed[:12], 4):
            redraw(rng, drawn, 2023)
        entries = listed + [(None, draw_household(rng, 100 + n, every_year=True)) for n in range(2)]
        original_run = overlap._Background._run
        outcomes, statements = {}, {}
        for mode in ("serial", "overlapped", "slow server"):
            ran = []

            def run(work, sql, params, ran=ran, slow=mode == "slow server"):
                ran.append(sql)
                if slow:
                    time.sleep(0.05)
                original_run(work, sql, params)

            with (
                override_settings(OVERLAP_SERVER_WORK=mode != "serial"),
                mock.patch.object(overlap._Background, "_run", run),
                mock.patch.object(importing, "BATCH_SIZE", 5),
                transaction.atomic(),
            ):
                result = self.import_file(self.song_cau, 2023, entries)
                self.assertEqual((result.created, result.updated), (6, 20))
                outcomes[mode], statements[mode] = import_outcome(), len(ran)
                refreshed = HouseholdReview.history.filter(history_change_reason=audit.DERIVED)
                # the refresh did change this import's new reviews, and the year after's
                self.assertEqual(
                    set(refreshed.filter(history_date=FROZEN).values_list("year", flat=True)), {2023, 2024}
                )
                transaction.set_rollback(True)
        self.assertEqual(statements["serial"], 0)
        self.assertGreater(statements["slow server"], 6)
        for mode in ("overlapped", "slow server"):
            self.assertEqual(outcomes[mode].keys(), outcomes["serial"].keys())
            for name, rows in outcomes["serial"].items():
                self.assertTrue(rows, name)
                self.assertEqual(outcomes[mode][name], rows, f"{mode}: {name}")


# --- 5. One review, three paths -------------------------------------------------------------


def review_row(household: Household, year: int) -> dict:
    return HouseholdReview.objects.filter(household=household, year=year).values(
        *columns(HouseholdReview, skip=("id", "household_id"))
    )[0]


class ReviewEquivalenceTests(EquivalenceTestCase):
    def test_the_form_the_import_and_the_bulk_writer_record_the_same_review(self):
        """The bulk writer records incomes only: households reviewed by Phiếu B1 score are
        compared between the form and the import."""
        rng = random.Random(SEED + 9)
        drawn = [draw_household(rng, n) for n in range(12)]
        drawn += [scripted(rng, 20 + n, script) for n, script in enumerate(SCRIPTS)]
        drawn += [draw_household(rng, 30 + n, b1=True) for n in range(3)]
        communes = [self.communes[n % 2] for n in range(len(drawn))]
        codes = {path: [f"{c.code}-{path}{n:04d}" for n, c in enumerate(communes)] for path in "IB"}
        by_income = [
            n
            for n, d in enumerate(drawn)
            if all(v["method"] == AssessmentMethod.INCOME for v in d.reviews.values())
        ]

        form = []
        for household, commune in zip(drawn, communes, strict=True):
            form.append(form_household(self.officers[commune.pk], commune, household))
            years = list(household.reviews)
            rng.shuffle(years)
            for year in years:
                form_review(self.officers[commune.pk], form[-1], year, household.reviews[year])

        households_bulk_create([bulk_spec(codes["B"][n], communes[n], drawn[n], rng) for n in by_income])

        listed = set()
        for year in YEARS:  # one file a year and commune; members with a household's first row, then at times
            for commune in self.communes:
                entries = [
                    (code, d)
                    for code, c, d in zip(codes["I"], communes, drawn, strict=True)
                    if c == commune and year in d.reviews
                ]
                with_members = {code for code, _ in entries if code not in listed or rng.random() < 0.5}
                listed |= with_members
                self.import_file(commune, year, entries, with_members=with_members)

        paths = {
            "import": {h.code: h for h in Household.objects.filter(code__in=codes["I"])},
            "bulk writer": {h.code: h for h in Household.objects.filter(code__in=codes["B"])},
        }
        compared = 0
        for n, household in enumerate(drawn):
            for year in household.reviews:
                by_form = review_row(form[n], year)
                for path, letter in (("import", "I"), ("bulk writer", "B")):
                    if letter == "I" or n in by_income:
                        with self.subTest(household=n, year=year, path=path):
                            other = review_row(paths[path][codes[letter][n]], year)
                            self.assertEqual(other, by_form, f"{path} and form differ")
                        compared += 1
        self.assertGreater(compared, 35)
        # The data reaches the parts of the computation that could differ.
        reviews = HouseholdReview.objects.all()
        self.assertEqual({r.classification for r in reviews}, set(HouseholdClass))
        self.assertEqual({r.method for r in reviews}, set(AssessmentMethod))
        self.assertTrue(any(r.prev_class for r in reviews) and any(r.recently_escaped for r in reviews))
        self.assertTrue(any(any(getattr(r, f) for f in MEMBER_DETERMINED) for r in reviews))
        self.assertTrue(any(r.review_date.year > r.year for r in reviews))
        self.assertTrue(all(r.overrides == {} for r in reviews))


# --- 6. copy_update and bulk_update ---------------------------------------------------------


def update_writer(model, rows, fields, user, reason, where) -> int:
    return copy_update(model, rows, fields, history_user=user, change_reason=reason, where=where)


def simple_update_writer(model, rows, fields, user, reason, where) -> int:
    return bulk_update_simple(model, rows, fields, history_user=user, change_reason=reason, where=where)


class CopyUpdateEquivalenceTests(EquivalenceTestCase):
    """copy_update (UPDATE … FROM a COPYed table, audit rows by INSERT … SELECT) writes the rows
    and "~" audit rows that bulk_update_with_history writes (bulk_update_simple, its path off
    PostgreSQL): households and reviews as the import gives them (dicts), reviews as the history
    refresh gives them (instances), on the partitioned review table with its year."""

    def setUp(self):
        if connection.vendor != "postgresql":
            self.skipTest("off PostgreSQL copy_update is bulk_update_simple itself")
        super().setUp()
        rng = random.Random(SEED + 10)
        self.households = []
        for n in range(10):
            drawn = draw_household(rng, n, every_year=True)
            household = form_household(self.officer, self.song_cau, drawn)
            for year, entered in drawn.reviews.items():
                form_review(self.officer, household, year, entered)
            self.households.append(household)
        self.standard = PovertyStandard.objects.for_year(2023)

    def household_rows(self) -> list[dict]:
        rng, rows = random.Random(SEED + 11), []
        for n, household in enumerate(Household.objects.filter(pk__in=[h.pk for h in self.households])):
            drawn = draw_household(rng, 50 + n)
            row = {"id": household.pk, "code": household.code, "version": household.version + 1}
            row.update({name: getattr(drawn, name) for name in HOUSEHOLD_FIELDS if name != "address"})
            row["address"] = ODD_TEXT if n % 3 == 0 else f"Số {n}" * (n % 2)
            rows.append(row | household_derived_fields(row["head_name"], household.code))
        return rows

    def review_rows(self, year: int, as_models: bool) -> list:
        rng, rows = random.Random(SEED + 12 + year), []
        reviews = HouseholdReview.objects.filter(household__in=self.households, year=year).order_by("pk")
        for n, review in enumerate(reviews):
            entered = draw_review(rng, year)
            row = {name: entered.get(name, False) for name in REVIEW_FIELDS}
            row.update(review_type="periodic", reviewer=f"Cán bộ {n}" * (n % 2), b1_score=None)
            row.update(id=review.pk, year=year, overrides={"d_water": ODD_TEXT} if n % 3 else {})
            row.update(
                review_figures(
                    row,
                    household=vars(review.household),
                    commune=self.song_cau,
                    standard=self.standard,
                    members_count=rng.randint(1, 7),
                )  # fmt: skip
            )
            row["updated_at"] = FROZEN + timedelta(minutes=n)
            if as_models:
                for name, value in row.items():
                    setattr(review, name, value)
                review.prev_class, review.recently_escaped = "poor", bool(n % 2)
                rows.append(review)
            else:
                rows.append(row)
        return rows

    def updated(self, model, make_rows, fields, writer, where=None) -> dict[str, list]:
        """The rows and the audit rows `writer` leaves, rolled back afterwards."""
        with transaction.atomic():
            rows = make_rows()
            ids = [row["id"] if isinstance(row, dict) else row.pk for row in rows]
            positions = {pk: n for n, pk in enumerate(ids)}
            before = model.history.filter(id__in=ids).count()
            before_rows = table_by_position(model.objects.filter(pk__in=ids), positions)
            count = writer(model, rows, fields, self.officer, "Nhập tệp “ds.xlsx”", where)
            table = {
                "before": before_rows,
                "count": count,
                "rows": table_by_position(model.objects.filter(pk__in=ids), positions),
                "audit": table_by_position(model.history.filter(id__in=ids, history_type="~"), positions),
                "new audit rows": model.history.filter(id__in=ids).count() - before,
            }
            transaction.set_rollback(True)
        return table

    def test_copy_update_writes_the_rows_and_audit_rows_bulk_update_writes(self):
        review_fields = [*REVIEW_FIELDS, *importing._REVIEW_COMPUTED, "updated_at"]
        history_fields = [*review_fields, "prev_class", "recently_escaped"]
        cases = {
            "households (dicts)": (
                Household,
                self.household_rows,
                [*HOUSEHOLD_FIELDS, "search_text", "head_sort_key", "version"],
                None,
            ),
            "reviews (dicts, a year)": (
                HouseholdReview,
                lambda: self.review_rows(2023, as_models=False),
                review_fields,
                {"year": 2023},
            ),
            "reviews (instances, a year)": (
                HouseholdReview,
                lambda: self.review_rows(2024, as_models=True),
                history_fields,
                {"year": 2024},
            ),
        }
        for case, (model, make_rows, fields, where) in cases.items():
            with self.subTest(case):
                fast = self.updated(model, make_rows, fields, update_writer, where)
                simple = self.updated(model, make_rows, fields, simple_update_writer, where)
                self.assertEqual(fast["count"], len(make_rows()))
                self.assertEqual(fast["new audit rows"], len(make_rows()))
                self.assertEqual(fast["count"], simple["count"])
                self.assertEqual(fast["new audit rows"], simple["new audit rows"])
                self.assertEqual(fast["rows"], simple["rows"])
                self.assertEqual(fast["audit"], simple["audit"])
                self.assertNotEqual(fast["rows"], fast["before"])  # the update did change the rows


class OtherHoldersEquivalenceTests(EquivalenceTestCase):
    def test_the_server_finds_the_holders_a_fetch_of_every_holder_finds(self):
        """importing._other_holders (PostgreSQL: the comparison with the file's codes made by the
        server) against _registry_holders (every holder fetched) filtered in Python: numbers held
        by the file's own household, by another household of the same or another commune, not
        held at all; codes blank, missing, or with a comma."""
        if connection.vendor != "postgresql":
            self.skipTest("off PostgreSQL _other_holders is _registry_holders itself")
        rng = random.Random(SEED + 14)
        households = [make_household(rng.choice(self.communes), members=0) for _ in range(12)]
        held = {}
        for n in range(60):
            household = rng.choice(households)
            number = f"0060{n:08d}"
            Member.objects.create(
                household=household, full_name=f"Người {n}", sex="F", birth_year=1990, relation="child",
                citizen_id=number,
            )  # fmt: skip
            held[number] = household.code
        numbers = [*held, *(f"0011{n:08d}" for n in range(10))]  # the last ten held by nobody
        rng.shuffle(numbers)
        codes = [
            rng.choice([held.get(number), rng.choice(households).code, "", None, "01837-KHAC"])
            for number in numbers
        ]
        for wrong in (False, True):  # sent as texts split by the server; as arrays (a code with a comma)
            if wrong:
                codes[rng.randrange(len(codes))] = "01837,00001"
            code_of = dict(zip(numbers, codes, strict=True))
            fast = sorted(importing._other_holders(numbers, codes))
            simple = sorted(h for h in importing._registry_holders(numbers) if h[1] != code_of[h[0]])
            self.assertEqual(fast, simple)
            self.assertTrue(0 < len(fast) < len(importing._registry_holders(numbers)), fast)


# --- 7. The member sheet's row parser -------------------------------------------------------


class MemberRowParserTests(SimpleTestCase):
    """importing._column_parser (a column at a time, answers remembered by value) gives the values
    and the problems, in the same order, that SheetReader.parse gives one cell at a time: blanks,
    spaces, required cells missing, wrong values, booleans beside 0 and 1, short rows, a column
    absent from the sheet, windows of a few rows."""

    def rows(self) -> list[list]:
        rng = random.Random(SEED + 13)
        header = [c.header for c in MEMBER_COLUMNS if c.key != "malnourished"]  # one column absent
        rows = [header]
        for n in range(300):
            values = draw_member(rng, n, head=n % 4 == 0)
            cells = [
                f"01837-{n // 3:05d}",
                values["full_name"],
                "Nam" if values["sex"] == "M" else "Nữ",
                values["birth_year"],
                values["birth_date"],
                "Chủ hộ" if values["relation"] == Relation.HEAD else "Con",
                "Tày",
                "001" + f"{n:09d}",
                "x" if values["has_health_insurance"] else "",
                "Tiểu học",
                "Có",
                "Làm nông",
                "Không",
                "",
            ]
            for _ in range(rng.randint(0, 4)):  # spoil a few cells
                position = rng.randrange(len(cells))
                cells[position] = rng.choice(
                    [
                        None,
                        "",
                        "   ",
                        "??",
                        "abc",
                        -5,
                        3.5,
                        "1899",
                        "x",
                        date(1990, 1, 1),
                        True,
                        False,
                        1,
                        0.0,
                        1980,
                        1980.0,
                    ]  # fmt: skip
                )
            if n % 17 == 0:
                cells = cells[: rng.randint(1, len(cells))]
            rows.append(cells)
        return rows

    def parsed(self, fast: bool) -> tuple[list, list]:
        problems = []
        sheet = SheetReader(MEMBER_SHEET, SheetRows(301, self.rows()), MEMBER_COLUMNS, problems)
        parsers = importing._member_parsers()
        if fast:
            parse_rows = importing._column_parser(
                sheet, parsers, importing._UNIQUE_MEMBER_CELLS, importing._LOCAL_MEMBER_CELLS
            )
            values = [v for window in importing._batches(sheet.data_rows(), 7) for v in parse_rows(window)]
        else:
            values = [
                {key: sheet.parse(number, raw, key, parser, default) for key, parser, default in parsers}
                for number, raw in sheet.data_rows()
            ]
        return values, problems

    def test_the_column_parser_gives_what_parse_gives(self):
        fast, simple = self.parsed(fast=True), self.parsed(fast=False)
        self.assertGreater(len(simple[1]), 50)  # the spoiled cells are reported
        self.assertEqual(len(fast[0]), 300)
        self.assertEqual(fast[0], simple[0])
        self.assertEqual(fast[1], simple[1])


# --- 8. The plan's comparisons of a row with the registry -----------------------------------

# Values a member's or a household's field may hold on either side, empty and false ones included.
FIELD_VALUES = ("", None, False, True, 0, 1, 1990, "Nam", "thpt", date(1990, 5, 1), date(1990, 5, 2))


class PlanComparisonTests(SimpleTestCase):
    """_plan decides what changed by comparing tuples in one C comparison (_members_differ,
    _fields_differ); their simple twins compare value by value, members normalised."""

    def drawn_members(self, rng: random.Random) -> tuple[list[dict], list[tuple]]:
        """The file's members (dicts) and the registry's (tuples): equal, equal once normalised
        ("" for None, None for False), or with a value, a member or the order changed."""
        current = [
            tuple(rng.choice(FIELD_VALUES) for _ in MEMBER_ENTRY_FIELDS) for _ in range(rng.randint(0, 4))
        ]
        mine = [list(m) for m in current]
        change = rng.choice(("none", "normalised", "value", "member", "order"))
        if change == "normalised":
            for member in mine:
                for i, value in enumerate(member):
                    if not value and rng.random() < 0.5:
                        member[i] = rng.choice(("", None, False))
        elif change == "value" and mine:
            member = rng.choice(mine)
            member[rng.randrange(len(member))] = rng.choice(FIELD_VALUES)
        elif change == "member":
            if mine and rng.random() < 0.5:
                mine.pop(rng.randrange(len(mine)))
            else:
                mine.append([rng.choice(FIELD_VALUES) for _ in MEMBER_ENTRY_FIELDS])
        elif change == "order":
            rng.shuffle(mine)
        return [dict(zip(MEMBER_ENTRY_FIELDS, m, strict=True)) for m in mine], current

    def test_members_differ_as_the_simple_comparison_says(self):
        rng = random.Random(SEED + 10)
        answers = {True: 0, False: 0}
        equal_once_normalised = 0
        for _ in range(3000):
            from_file, current = self.drawn_members(rng)
            simple = importing._members_differ_simple(from_file, current)
            self.assertEqual(importing._members_differ(from_file, current), simple, (from_file, current))
            answers[simple] += 1
            as_they_are = [tuple(m.values()) for m in from_file]
            equal_once_normalised += not simple and as_they_are != current
        self.assertGreater(min(answers.values()), 500)
        self.assertGreater(equal_once_normalised, 100)  # the normalising branch is reached

    def test_fields_differ_as_the_simple_comparison_says(self):
        rng = random.Random(SEED + 11)
        for fields in (HOUSEHOLD_FIELDS, REVIEW_FIELDS):
            pick = operator.itemgetter(*fields)
            answers = {True: 0, False: 0}
            for _ in range(2000):
                stored = {f: rng.choice(FIELD_VALUES) for f in fields}
                entered = dict(stored, other=rng.random())  # the file's row has more keys
                for f in rng.sample(fields, rng.choice((0, 0, 1, 2))):
                    entered[f] = rng.choice(FIELD_VALUES)
                simple = importing._fields_differ_simple(stored, entered, fields)
                self.assertEqual(importing._fields_differ(pick, stored, entered), simple)
                answers[simple] += 1
            self.assertGreater(min(answers.values()), 500, fields)


# --- 9. The commit of a kept parse ----------------------------------------------------------


class KeptParseEquivalenceTests(EquivalenceTestCase):
    def test_the_commit_of_a_kept_parse_writes_what_a_commit_reading_the_workbook_writes(self):
        """The preview keeps its parse, with what each row's own members determine (Row.derived);
        the commit that reads it back writes what a commit parsing the workbook and deriving every
        row in the plan (_members_derived_simple) writes. Half the rows list their members; the
        others are derived from the registry's members (or from none)."""
        rng = random.Random(SEED + 12)
        listed = [(f"01837-K{n:04d}", draw_household(rng, n, every_year=True)) for n in range(24)]
        for n, classes in zip((1, 5, 9), SCRIPTS, strict=True):
            listed[n] = (listed[n][0], scripted(rng, n, classes))
        self.import_file(self.song_cau, 2023, listed[:16])  # the registry, its members included
        for _, drawn in rng.sample(listed[:16], 5):
            redraw(rng, drawn, 2023)
        with_members = {code for code, _ in listed[::2]}
        content = import_workbook([(code, self.song_cau.code, d) for code, d in listed], 2023, with_members)
        outcomes = {}
        for kept in (True, False):
            with tempfile.TemporaryDirectory() as folder, transaction.atomic():
                path, parse = Path(folder) / "ds.xlsx", Path(folder) / "ds.parse"
                path.write_bytes(content)
                options = {"user": self.officer, "unit": self.song_cau, "year": 2023, "path": path}
                preview = household_import(**options, name="ds.xlsx", dry_run=True, kept_parse=parse)
                self.assertTrue(preview.ok and parse.exists(), preview.problems)
                unread = mock.patch.object(importing, "read_sheets", side_effect=AssertionError("read"))
                simple = mock.patch.object(importing, "_members_derived", importing._members_derived_simple)
                with unread if kept else simple:
                    result = household_import(
                        **options, name="ds.xlsx", dry_run=False, kept_parse=parse if kept else None
                    )
                self.assertTrue(result.committed, result.problems)
                counts = (result.created, result.updated, result.unchanged)
                reviews = HouseholdReview.objects.filter(year=2023)
                derived = {f: set(reviews.values_list(f, flat=True)) for f in MEMBER_DETERMINED}
                outcomes[kept] = (counts, import_outcome())
                transaction.set_rollback(True)
            self.assertTrue(counts[0] == 8 and counts[1] and counts[2], counts)
            self.assertTrue(all(values == {True, False} for values in derived.values()), derived)
        self.assertEqual(outcomes[True][0], outcomes[False][0])
        for name, rows in outcomes[False][1].items():
            self.assertEqual(outcomes[True][1][name], rows, name)
