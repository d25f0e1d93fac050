"""Household list import: round trip, idempotence, corrections, atomicity, scope, hostile files."""

import contextlib
import gc
import io
import re
import tempfile
import zipfile
from pathlib import Path
from unittest import mock

from django.db import transaction
from django.test import SimpleTestCase
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from households import importing
from households.exporting import household_list_csv, household_list_export, import_template
from households.importing import (
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_SHEET,
    MEMBER_COLUMNS,
    MEMBER_SHEET,
    household_import,
)
from households.models import Household, HouseholdReview, Member
from households.selectors import registry_stats
from povertyprog.lib.spreadsheets import RefusedFile, check_upload
from tests.base import BaseTestCase
from tests.factory import make_household, make_review

HEADERS = {c.key: c.header for c in HOUSEHOLD_COLUMNS}


def workbook_bytes(rows: list[dict], members: list[dict] | None = None, header_row: int = 1) -> bytes:
    """A workbook in the template's layout: `rows` as {column key: value}."""
    book = Workbook()
    sheet = book.active
    sheet.title = HOUSEHOLD_SHEET
    keys = list(dict.fromkeys(k for row in rows for k in row)) or ["code"]
    for _ in range(header_row - 1):
        sheet.append(["DANH SÁCH HỘ"])
    sheet.append([HEADERS[k] for k in keys])
    for row in rows:
        sheet.append([row.get(k) for k in keys])
    if members is not None:
        member_sheet = book.create_sheet(MEMBER_SHEET)
        member_keys = list(dict.fromkeys(k for m in members for k in m))
        member_headers = {c.key: c.header for c in MEMBER_COLUMNS}
        member_sheet.append([member_headers[k] for k in member_keys])
        for member in members:
            member_sheet.append([member.get(k) for k in member_keys])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def household_row(code: str, commune: str = "01837", **values) -> dict:
    row = {
        "code": code,
        "commune_code": commune,
        "head_name": f"Nguyễn Văn {code[-2:]}",
        "village": "Tổ 2",
        "income": "1.200.000",
        "review_date": "15/11/2023",
        "d_water": "x",
        "d_latrine": "x",
        "d_telecom": "Có",
    }
    row.update(values)
    return row


class ImportTestCase(BaseTestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def run_import(self, content: bytes, name: str = "ds.xlsx", dry_run: bool = False, user=None, unit=None):
        path = Path(self.tmp.name) / name
        path.write_bytes(content)
        return household_import(
            user=user or self.officer,
            unit=unit or self.song_cau,
            year=2023,
            path=path,
            name=name,
            dry_run=dry_run,
        )

    def assertRefused(self, content: bytes, message: str, name: str = "ds.xlsx"):
        with self.assertRaises(RefusedFile) as caught:
            self.run_import(content, name)
        self.assertIn(message, str(caught.exception))
        self.assertFalse(Household.objects.exists())


class ImportRulesTestCase(ImportTestCase):
    def test_preview_writes_nothing_then_commit_writes_all(self):
        content = workbook_bytes(
            [household_row("01837-90001"), household_row("01837-90002", income="5000000")]
        )
        preview = self.run_import(content, dry_run=True)
        self.assertEqual((preview.created, preview.updated, preview.unchanged, preview.ok), (2, 0, 0, True))
        self.assertFalse(Household.objects.exists())
        result = self.run_import(content)
        self.assertTrue(result.committed)
        classes = dict(HouseholdReview.objects.values_list("household__code", "classification"))
        self.assertEqual(classes, {"01837-90001": "poor", "01837-90002": "not_poor"})
        stats = registry_stats(self.backan_city, 2023)["households"]  # the rollups follow the import
        self.assertEqual((stats["total"], stats["poor"]), (2, 1))
        audit_row = Household.objects.get(code="01837-90001").history.first()
        self.assertEqual(audit_row.history_user, self.officer)
        self.assertTrue(audit_row.history_change_reason.startswith("Nhập tệp"))  # where the change came from

    def test_reimporting_the_same_file_changes_nothing(self):
        content = workbook_bytes([household_row("01837-90001"), household_row("01837-90002")])
        self.run_import(content)
        history = HouseholdReview.history.count()
        result = self.run_import(content)
        self.assertEqual((result.created, result.updated, result.unchanged), (0, 0, 2))
        self.assertEqual(HouseholdReview.history.count(), history)

    def test_a_corrected_file_updates_only_the_changed_household(self):
        rows = [household_row("01837-90001"), household_row("01837-90002")]
        self.run_import(workbook_bytes(rows))
        rows[1]["income"] = "3.000.000"
        result = self.run_import(workbook_bytes(rows))
        self.assertEqual((result.created, result.updated, result.unchanged), (0, 1, 1))
        review = HouseholdReview.objects.get(household__code="01837-90002")
        self.assertEqual((review.income_per_capita, review.classification), (3_000_000, "middle"))
        self.assertEqual(review.history.count(), 2)
        self.assertEqual(HouseholdReview.objects.get(household__code="01837-90001").history.count(), 1)

    def test_an_import_counts_as_an_edit_for_forms_opened_before_it(self):
        rows = [household_row("01837-90001")]
        self.run_import(workbook_bytes(rows))
        household = Household.objects.get()
        review = HouseholdReview.objects.get()
        rows[0].update(income="3.000.000", village="Tổ 9")
        self.run_import(workbook_bytes(rows))
        household.refresh_from_db()
        self.assertEqual(household.version, 2)  # the household form's lock moves on
        self.assertGreater(
            HouseholdReview.objects.get().updated_at, review.updated_at
        )  # the review form's too

    def test_one_bad_row_at_the_end_writes_nothing(self):
        rows = [household_row(f"01837-9{i:04d}") for i in range(30)]
        rows.append(household_row("01837-99999", income="nhiều tiền"))
        result = self.run_import(workbook_bytes(rows))
        self.assertFalse(result.committed)
        self.assertEqual(len(result.problems), 1)
        problem = result.problems[0]
        self.assertEqual((problem.sheet, problem.row, problem.value), (HOUSEHOLD_SHEET, 32, "nhiều tiền"))
        self.assertIn("Thu nhập bình quân", problem.column)
        self.assertIn("phải là số nguyên", problem.message)
        self.assertFalse(Household.objects.exists())

    def test_a_bad_row_in_a_later_batch_undoes_the_batches_already_written(self):
        rows = [household_row(f"01837-9{i:04d}") for i in range(30)]
        rows.append(household_row("01837-90003"))  # a duplicate of row 5, three batches later
        with mock.patch("households.importing.BATCH_SIZE", 10):
            result = self.run_import(workbook_bytes(rows))
        self.assertFalse(result.committed)
        self.assertEqual(
            [(p.row, p.message) for p in result.problems], [(32, "Mã hộ trùng với dòng 5 trong cùng tệp.")]
        )
        self.assertFalse(Household.objects.exists())
        self.assertFalse(HouseholdReview.history.exists())
        with mock.patch("households.importing.BATCH_SIZE", 10):
            result = self.run_import(workbook_bytes(rows[:30]))
        self.assertEqual((result.committed, result.created, Household.objects.count()), (True, 30, 30))

    def test_rows_of_another_commune_are_errors_not_skips(self):
        rows = [household_row("01837-90001"), household_row("15139-90002", commune="15139")]
        result = self.run_import(workbook_bytes(rows))
        self.assertEqual([(p.row, p.value) for p in result.problems], [(3, "15139")])
        self.assertIn("không thuộc Phường Sông Cầu", result.problems[0].message)
        self.assertFalse(Household.objects.exists())

    def test_a_sibling_commune_is_refused_to_its_neighbour_officer(self):
        result = self.run_import(workbook_bytes([household_row("01849-90001", commune="01849")]))
        self.assertIn("không thuộc Phường Sông Cầu", result.problems[0].message)

    def test_duplicate_codes_inside_the_file(self):
        result = self.run_import(workbook_bytes([household_row("01837-90001"), household_row("01837-90001")]))
        self.assertEqual(result.problems[0].row, 3)
        self.assertIn("trùng với dòng 2", result.problems[0].message)

    def test_reordered_columns_without_diacritics_and_common_spellings(self):
        book = Workbook()
        sheet = book.active
        sheet.append(
            [
                "Ngay ra soat",
                "MA HO",
                "ho ten chu ho",
                "thon",
                "Ma xa",
                "Thu nhap BQ",
                "1. Viec lam",
                "2. nguoi phu thuoc trong ho gia dinh",
                "Chi so 10",
                "Ho DTTS",
            ]
        )
        sheet.append(
            ["20/11/2023", "01837-90001", "Lò Văn Páo", "Tổ 1", 1837, 1000000, 1, "x", "có", "Không"]
        )
        buffer = io.BytesIO()
        book.save(buffer)
        result = self.run_import(buffer.getvalue())
        self.assertTrue(result.committed, result.problems)
        review = HouseholdReview.objects.get()
        self.assertEqual((review.d_employment, review.d_dependants, review.d_latrine), (True, True, True))
        self.assertEqual(review.classification, "poor")

    def test_dates_as_text_are_read_and_impossible_dates_reported(self):
        ok = self.run_import(
            workbook_bytes([household_row("01837-90001", review_date="05/12/2023")]), dry_run=True
        )
        self.assertTrue(ok.ok)
        bad = self.run_import(workbook_bytes([household_row("01837-90001", review_date="31/02/2023")]))
        self.assertIn("ngày không có thật", bad.problems[0].message)
        bad = self.run_import(workbook_bytes([household_row("01837-90001", review_date="hôm qua")]))
        self.assertIn("dd/mm/yyyy", bad.problems[0].message)

    def test_members_decide_their_indicators(self):
        members = [
            {
                "code": "01837-90001",
                "full_name": "Nguyễn Văn Ba",
                "sex": "Nam",
                "birth_year": 1980,
                "relation": "Chủ hộ",
                "has_health_insurance": "Không",
            },
            {
                "code": "01837-90001",
                "full_name": "Nguyễn Thị Tư",
                "sex": "Nữ",
                "birth_year": 1985,
                "relation": "Vợ/chồng",
            },
        ]
        result = self.run_import(workbook_bytes([household_row("01837-90001")], members))
        self.assertTrue(result.committed, result.problems)
        review = HouseholdReview.objects.get()
        self.assertTrue(review.d_health_insurance)  # derived from the head without a card
        self.assertEqual((review.members_count, review.deprivation_count), (2, 4))
        self.assertEqual(Member.objects.count(), 2)
        contradicted = household_row("01837-90001", d_health_insurance="Không")
        result = self.run_import(workbook_bytes([contradicted], members))
        self.assertIn("Theo danh sách thành viên", result.problems[0].message)

    def test_a_member_with_a_wrong_year_of_birth_is_a_problem_at_its_cell_not_a_crash(self):
        members = [
            {"code": "01837-90001", "full_name": "Nguyễn Văn Ba", "sex": "Nam", "birth_year": "năm ngoái",
             "relation": "Chủ hộ"},
            {"code": "01837-90001", "full_name": "Nguyễn Thị Tư", "sex": "Nữ", "birth_year": 1985,
             "relation": "Vợ/chồng"},
        ]  # fmt: skip
        for dry_run in (True, False):
            result = self.run_import(workbook_bytes([household_row("01837-90001")], members), dry_run=dry_run)
            self.assertFalse(result.committed)
            (problem,) = result.problems
            self.assertEqual((problem.sheet, problem.row, problem.value), (MEMBER_SHEET, 2, "năm ngoái"))
            self.assertIn("Năm sinh", problem.column)
        self.assertFalse(Household.objects.exists())

    def test_an_officer_cannot_import_into_another_unit(self):
        with self.assertRaises(Exception) as caught:
            self.run_import(
                workbook_bytes([household_row("15139-90001", commune="15139")]), unit=self.cam_luong
            )
        self.assertIn("ngoài phạm vi", str(caught.exception))


class RoundTripTestCase(ImportTestCase):
    def snapshot(self):
        households = sorted(
            Household.objects.values_list(
                "code",
                "head_name",
                "village",
                "ethnicity",
                "ethnic_minority",
                "has_merit_person",
                "no_labour_capacity",
            )
        )
        members = sorted(
            Member.objects.values_list(
                "household__code",
                "full_name",
                "sex",
                "birth_year",
                "relation",
                "has_health_insurance",
                "attends_school",
            )
        )
        reviews = sorted(
            HouseholdReview.objects.values_list(
                "household__code",
                "year",
                "income_per_capita",
                "classification",
                "deprivation_count",
                "d_water",
                "cause_capital",
                "need_credit",
                "members_count",
                "review_date",
            )
        )
        return households, members, reviews

    def test_export_then_import_gives_the_same_registry(self):
        a = make_household(
            self.song_cau, members=3, head_name="Đặng Văn =Lợi", ethnicity="02", ethnic_minority=True
        )
        b = make_household(self.song_cau, members=1, has_merit_person=True)
        make_review(
            a,
            2023,
            1_000_000,
            ["d_water", "d_latrine", "d_telecom"],
            causes=["cause_capital"],
            need_credit=True,
        )
        make_review(b, 2023, 2_500_000)
        before = self.snapshot()
        content = household_list_export(self.song_cau, 2023)
        self.assertEqual(self.run_import(content, dry_run=True).unchanged, 2)  # idempotent on its own export
        Household.objects.all().delete()
        result = self.run_import(content)
        self.assertTrue(result.committed, result.problems)
        self.assertEqual(result.created, 2)
        self.assertEqual(self.snapshot(), before)

    def test_the_csv_list_imports_back_unchanged(self):
        household = make_household(self.song_cau, members=0, head_name="Lục Văn Đông")
        make_review(household, 2023, 1_400_000, ["d_water"], causes=["cause_land"])
        content = household_list_csv(self.song_cau, 2023)
        self.assertTrue(content.startswith("\ufeff".encode()))
        result = self.run_import(content, name="ds.csv", dry_run=True)
        self.assertTrue(result.ok, result.problems)
        self.assertEqual((result.unchanged, result.updated), (1, 0))

    def test_exported_text_cells_cannot_run_as_formulas(self):
        household = make_household(
            self.song_cau, members=0, head_name='=HYPERLINK("http://x")', village="@Tổ 1"
        )
        make_review(household, 2023, 1_000_000)
        sheet = load_workbook(io.BytesIO(household_list_export(self.song_cau, 2023)))[HOUSEHOLD_SHEET]
        cells = [cell for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
        self.assertFalse([c.value for c in cells if c.value.startswith(("=", "+", "-", "@"))])
        self.assertIn('\'=HYPERLINK("http://x")', [c.value for c in cells])
        self.assertTrue(all(c.data_type == "s" for c in cells))


class HostileFileTestCase(ImportTestCase):
    def test_a_sheet_read_in_windows_keeps_row_numbers_and_columns(self):
        """A long sheet is read a window of rows at a time: errors still name the file's row and
        column, also when the list starts in column B, and every row is imported."""
        keys = ["code", "commune_code", "head_name", "village", "income", "review_date"]
        book = Workbook()
        sheet = book.active
        sheet.title = HOUSEHOLD_SHEET
        sheet.append([None, *[HEADERS[k] for k in keys]])
        for n in range(25):
            row = household_row(f"01837-7{n:04d}", income="abc" if n == 19 else 1_500_000 + n)
            sheet.append([None, *[row[k] for k in keys]])
        buffer = io.BytesIO()
        book.save(buffer)
        with mock.patch("povertyprog.lib.xlsx_windows.WINDOW_BYTES", 1500):
            result = self.run_import(buffer.getvalue())
        self.assertFalse(result.committed)
        [problem] = result.problems
        self.assertEqual((problem.row, problem.column[:2], problem.value), (21, "F ", "abc"))

        sheet.cell(row=21, column=6).value = 1_500_019
        buffer = io.BytesIO()
        book.save(buffer)
        with mock.patch("povertyprog.lib.xlsx_windows.WINDOW_BYTES", 1500):
            result = self.run_import(buffer.getvalue())
        self.assertTrue(result.committed, result.problems)
        incomes = HouseholdReview.objects.order_by("household__code").values_list(
            "income_per_capita", flat=True
        )
        self.assertEqual(list(incomes), [1_500_000 + n for n in range(25)])

    def test_sheets_that_cannot_be_cut_into_windows_are_read_whole(self):
        """References (r="B7") are optional in the file format, and some writers prefix the
        namespace (<x:row>); such sheets are not cut into windows but read whole, alike."""

        def drop_references(xml: bytes) -> bytes:
            return re.sub(rb' r="[A-Z]*\d+"', b"", xml)

        def prefix_tags(xml: bytes) -> bytes:
            prefixed = re.sub(rb"<(/?)(?![?])([a-zA-Z])", rb"<\1x:\2", xml)
            return prefixed.replace(b"<x:worksheet xmlns=", b"<x:worksheet xmlns:x=")

        for n, transform in enumerate([drop_references, prefix_tags]):
            with self.subTest(transform=n):
                content = workbook_bytes([household_row(f"01837-6{n}{i:03d}") for i in range(12)])
                source, target = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
                with zipfile.ZipFile(target, "w") as out:
                    for info in source.infolist():
                        data = source.read(info)
                        if info.filename == "xl/worksheets/sheet1.xml":
                            data = transform(data)
                        out.writestr(info, data)
                with mock.patch("povertyprog.lib.xlsx_windows.WINDOW_BYTES", 1500):
                    result = self.run_import(target.getvalue())
                self.assertTrue(result.committed, result.problems)
                self.assertEqual(Household.objects.filter(code__startswith=f"01837-6{n}").count(), 12)

    def test_wrong_type_or_extension(self):
        for name in ("ds.pdf", "ds.docx", "ds"):
            with self.assertRaises(RefusedFile) as caught:
                check_upload(name, 100)
            self.assertIn("Chỉ nhận tệp .xlsx hoặc .csv", str(caught.exception))
        self.assertRefused(b"%PDF-1.4 not a workbook", "không phải là tệp Excel .xlsx hợp lệ")

    def test_old_excel_and_macro_files(self):
        with self.assertRaises(RefusedFile) as caught:
            check_upload("ds.xls", 100)
        self.assertIn(".xls (Excel 97-2003)", str(caught.exception))
        with self.assertRaises(RefusedFile) as caught:
            check_upload("ds.xlsm", 100)
        self.assertIn("macro", str(caught.exception))
        original = zipfile.ZipFile(io.BytesIO(workbook_bytes([household_row("01837-90001")])))
        content = io.BytesIO()
        with zipfile.ZipFile(content, "w") as archive:
            for info in original.infolist():
                archive.writestr(info, original.read(info))
            archive.writestr("xl/vbaProject.bin", b"\x00" * 100)
        self.assertRefused(content.getvalue(), "macro (VBA)")

    def test_corrupt_zip(self):
        content = workbook_bytes([household_row("01837-90001")])
        self.assertRefused(content[: len(content) // 2], "Excel")

    def test_zip_bomb(self):
        original = zipfile.ZipFile(io.BytesIO(workbook_bytes([household_row("01837-90001")])))
        content = io.BytesIO()
        with zipfile.ZipFile(content, "w", zipfile.ZIP_DEFLATED) as archive:
            for info in original.infolist():
                archive.writestr(info, original.read(info))
            archive.writestr("xl/media/padding.bin", b"\x00" * (40 * 1024 * 1024))
        self.assertRefused(content.getvalue(), "zip bomb")

    def test_enormous_sheets_are_refused_with_the_limit(self):
        rows = [household_row(f"01837-9{i:04d}") for i in range(30)]
        with mock.patch("povertyprog.lib.spreadsheets.MAX_ROWS", 10):
            self.assertRefused(workbook_bytes(rows), "Giới hạn: 10 dòng")

    def test_formulas_instead_of_values(self):
        self.assertRefused(workbook_bytes([household_row("01837-90001", income="=1000*1000")]), "công thức")

    def test_a_formula_with_a_namespace_prefix_is_refused_too(self):
        content = workbook_bytes([household_row("01837-90001", income="=1000*1000")])
        source, target = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
        with zipfile.ZipFile(target, "w") as out:
            for info in source.infolist():
                data = source.read(info)
                if info.filename == "xl/worksheets/sheet1.xml":
                    data = data.replace(b"<f>", b"<x:f>").replace(b"</f>", b"</x:f>")
                    data = data.replace(
                        b"<worksheet ",
                        b'<worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ',
                    )
                out.writestr(info, data)
        self.assertIn(b"<x:f>", zipfile.ZipFile(target).read("xl/worksheets/sheet1.xml"))
        self.assertRefused(target.getvalue(), "công thức")

    def test_csv_files_that_cannot_be_read_are_refused_with_the_reason(self):
        header = ",".join(HEADERS[k] for k in ("code", "commune_code", "head_name"))
        cases = {
            "no delimiter": ("Thôn Đông Sơn Dương\n" * 3).encode("cp1258"),
            "one 15 MB cell": f'{header}\n01837-90001,01837,"{"A" * (15 * 1024 * 1024)}"\n'.encode(),
        }
        messages = {"no delimiter": "dấu phân cách cột", "one 15 MB cell": "một ô dài quá giới hạn"}
        for name, content in cases.items():
            with self.subTest(name):
                self.assertRefused(content, messages[name], name="ds.csv")

    def test_merged_header_cells(self):
        book = load_workbook(io.BytesIO(workbook_bytes([household_row("01837-90001")])))
        book.active.merge_cells("A1:B1")
        buffer = io.BytesIO()
        book.save(buffer)
        self.assertRefused(buffer.getvalue(), "ô gộp")

    def test_empty_files(self):
        with self.assertRaises(RefusedFile) as caught:
            check_upload("ds.xlsx", 0)
        self.assertIn("Tệp rỗng", str(caught.exception))
        buffer = io.BytesIO()
        Workbook().save(buffer)
        self.assertRefused(buffer.getvalue(), "không có dữ liệu")
        self.assertRefused(workbook_bytes([]), "dòng tiêu đề")

    def test_a_50_mb_upload_is_refused_before_reading(self):
        with self.assertRaises(RefusedFile) as caught:
            check_upload("ds.xlsx", 50 * 1024 * 1024)
        self.assertIn("Giới hạn là 20 MB", str(caught.exception))

    def test_csv_is_read_too(self):
        header = ";".join(
            HEADERS[k] for k in ("code", "commune_code", "head_name", "village", "income", "review_date")
        )
        content = f"{header}\n01837-90001;01837;Lý Văn Tâm;Tổ 3;1.100.000;15/11/2023\n".encode()
        result = self.run_import(content, name="ds.csv")
        self.assertTrue(result.committed, result.problems)
        self.assertEqual(HouseholdReview.objects.get().classification, "near_poor")

    def test_the_empty_template_is_recognised_but_has_no_rows(self):
        self.assertRefused(import_template(), "không có dòng dữ liệu")

    def test_the_filled_template_imports(self):
        book = load_workbook(io.BytesIO(import_template()))
        headers = [cell.value for cell in book[HOUSEHOLD_SHEET][1]]
        row = household_row("01837-90001")
        book[HOUSEHOLD_SHEET].append([row.get(key) for key in (c.key for c in HOUSEHOLD_COLUMNS)])
        self.assertEqual(headers, [c.header for c in HOUSEHOLD_COLUMNS])
        buffer = io.BytesIO()
        book.save(buffer)
        result = self.run_import(buffer.getvalue())
        self.assertTrue(result.committed, result.problems)


class OfficerTemplateTestCase(ImportTestCase):
    """Issue 13 (19): the template speaks of the officer's own commune, rows may leave the code to
    the system, yes/no reads the same everywhere, messages name the column once."""

    def test_the_template_gives_examples_of_the_officers_own_commune(self):
        from tests.base import make_user

        for user, code in (
            (self.officer, "01837"),
            (make_user("camluong2", "commune_officer", "15139"), "15139"),
        ):
            self.client.force_login(user)
            book = load_workbook(io.BytesIO(b"".join(self.client.get(reverse("households:import_template")))))
            guide = " ".join(
                str(c) for row in book.worksheets[-1].iter_rows(values_only=True) for c in row if c
            )
            with self.subTest(code):
                self.assertIn(f"ví dụ {code}-00012", guide)
                self.assertIn("Để trống với hộ mới", guide)
                self.assertIn("Có hoặc Không (chọn trong danh sách)", guide)
                self.assertNotIn("(x, 1/0)", guide)

    def test_rows_without_a_code_get_the_communes_next_codes(self):
        from tests.factory import make_household

        make_household(self.song_cau, code="01837-00001")
        rows = [household_row("", head_name="Lò Văn Một"), household_row("", head_name="Lò Văn Hai")]
        result = self.run_import(workbook_bytes(rows))
        self.assertTrue(result.committed, result.problems)
        self.assertEqual(
            list(
                Household.objects.filter(head_name__startswith="Lò Văn")
                .order_by("code")
                .values_list("code", "head_name")
            ),
            [("01837-00002", "Lò Văn Một"), ("01837-00003", "Lò Văn Hai")],
        )

    def test_a_row_without_a_code_never_takes_a_code_another_row_of_the_file_gives(self):
        from tests.factory import make_household

        make_household(self.song_cau, code="01837-00001")
        rows = [
            household_row("01837-00002", head_name="Lò Văn Một"),
            household_row("", head_name="Lò Văn Hai"),
        ]
        result = self.run_import(workbook_bytes(rows))
        self.assertTrue(result.committed, result.problems)
        self.assertEqual(
            dict(Household.objects.filter(head_name__startswith="Lò Văn").values_list("head_name", "code")),
            {"Lò Văn Một": "01837-00002", "Lò Văn Hai": "01837-00003"},
        )

    def test_a_wrong_choice_names_its_column_once(self):
        members = [{"code": "01837-90001", "full_name": "Lò Thị A", "sex": "không rõ", "birth_year": 1990,
                    "relation": "Chủ hộ"}]  # fmt: skip
        result = self.run_import(workbook_bytes([household_row("01837-90001")], members), dry_run=True)
        messages = [p.message for p in result.problems if "Giới tính" in p.column]
        self.assertEqual(len(messages), 1, [(p.column, p.message) for p in result.problems])
        self.assertTrue(messages[0].startswith("Giới tính: không hợp lệ; chọn một trong: Nam"), messages[0])

    def test_exported_flags_read_co_or_khong_as_the_drop_down(self):
        from households.exporting import household_list_export

        self.run_import(workbook_bytes([household_row("01837-90001")]))
        sheet = load_workbook(io.BytesIO(household_list_export(self.song_cau, 2023)))[HOUSEHOLD_SHEET]
        header = [c.value for c in sheet[3]]
        row = [c.value for c in sheet[4]]
        self.assertEqual(row[header.index(HEADERS["d_water"])], "Có")
        self.assertEqual(row[header.index(HEADERS["d_floor_area"])], "Không")

    def test_a_checked_job_with_errors_does_not_say_it_waits_for_a_confirmation(self):
        from households.models import ImportJob

        job = ImportJob(status=ImportJob.Status.CHECKED, problem_count=3)
        self.assertIn("Có 3 lỗi: chưa nhập được", job.status_label)
        self.assertNotIn("chờ xác nhận", job.status_label)
        self.assertEqual(ImportJob(status=ImportJob.Status.CHECKED).status_label, "Đã kiểm tra, chờ xác nhận")


class KeptParseTests(ImportTestCase):
    """A clean preview keeps its parse; the commit reads it instead of the workbook and still checks
    what the registry decides (households.importing, D52)."""

    MEMBERS = [
        {"code": "01837-90001", "full_name": "Nguyễn Văn Ba", "sex": "Nam", "birth_year": 1980,
         "relation": "Chủ hộ", "has_health_insurance": "Không"},
        {"code": "01837-90001", "full_name": "Nguyễn Thị Tư", "sex": "Nữ", "birth_year": 1985,
         "relation": "Vợ/chồng"},
    ]  # fmt: skip

    def kept_import(self, content: bytes, dry_run: bool):
        path, kept = Path(self.tmp.name) / "ds.xlsx", Path(self.tmp.name) / "ds.parse"
        if not path.exists():
            path.write_bytes(content)
        return household_import(
            user=self.officer, unit=self.song_cau, year=2023, path=path, name="ds.xlsx",
            dry_run=dry_run, kept_parse=kept,
        ), kept  # fmt: skip

    def test_the_commit_of_a_clean_preview_does_not_parse_the_workbook_again(self):
        content = workbook_bytes([household_row("01837-90001"), household_row("01837-90002")], self.MEMBERS)
        preview, kept = self.kept_import(content, dry_run=True)
        self.assertTrue(preview.ok and kept.exists())
        with (
            mock.patch("households.importing._parse_households", side_effect=AssertionError("parsed again")),
            mock.patch(
                "households.importing.read_sheets", side_effect=AssertionError("workbook opened again")
            ),
        ):
            result, _ = self.kept_import(content, dry_run=False)
        self.assertTrue(result.committed, result.problems)
        self.assertEqual((result.created, Member.objects.count()), (2, 2))
        self.assertTrue(HouseholdReview.objects.get(household__code="01837-90001").d_health_insurance)
        # What was written is what the workbook says: parsed afresh, the file changes nothing.
        again = self.run_import(content, dry_run=True)
        self.assertEqual((again.created, again.updated, again.unchanged, again.ok), (0, 0, 2, True))

    def test_the_registry_is_checked_again_at_the_commit(self):
        content = workbook_bytes([household_row("01837-90001")])
        self.kept_import(content, dry_run=True)
        make_household(self.duong_quang, code="01837-90001")  # the code is taken meanwhile
        result, _ = self.kept_import(content, dry_run=False)
        self.assertFalse(result.committed)
        self.assertIn("Mã hộ đã có ở", result.problems[0].message)
        self.assertFalse(HouseholdReview.objects.exists())

    def test_from_a_kept_parse_a_row_without_a_code_still_avoids_the_codes_the_file_gives(self):
        """The commit does not gather the file's codes again: the preview kept those new rows must
        avoid (the row without a code comes first; the code it must not take, in a later row)."""
        make_household(self.song_cau, code="01837-00001")
        rows = [
            household_row("", head_name="Lò Văn Hai"),
            household_row("01837-00002", head_name="Lò Văn Một"),
        ]
        content = workbook_bytes(rows)
        self.assertTrue(self.kept_import(content, dry_run=True)[0].ok)
        with mock.patch.object(
            importing, "_check_codes_and_scope", wraps=importing._check_codes_and_scope
        ) as check:
            result, _ = self.kept_import(content, dry_run=False)
        self.assertTrue(result.committed, result.problems)
        self.assertIsNone(check.call_args.args[5])  # the file's duplicates: the preview's word
        self.assertEqual(
            dict(Household.objects.filter(head_name__startswith="Lò Văn").values_list("head_name", "code")),
            {"Lò Văn Một": "01837-00002", "Lò Văn Hai": "01837-00003"},
        )

    def test_a_preview_with_problems_keeps_nothing_and_a_changed_file_is_parsed_again(self):
        _, kept = self.kept_import(workbook_bytes([household_row("01837-90001", income="nhiều")]), True)
        self.assertFalse(kept.exists())
        self.assertEqual(list(Path(self.tmp.name).glob("*.partial")), [])
        path = Path(self.tmp.name) / "ds.xlsx"
        path.unlink()
        self.kept_import(workbook_bytes([household_row("01837-90001")]), dry_run=True)
        self.assertTrue(kept.exists())
        path.write_bytes(workbook_bytes([household_row("01837-90001"), household_row("01837-90002")]))
        result, _ = self.kept_import(b"", dry_run=False)  # the stamp no longer matches: read the file
        self.assertEqual(result.created, 2)

    def confirmed_unchanged(self, content: bytes):
        """The file imported, then previewed again (nothing to write) and confirmed, with the
        planner and the ID check watched."""
        self.kept_import(content, dry_run=True)
        self.assertTrue(self.kept_import(content, dry_run=False)[0].committed)
        Path(self.tmp.name, "ds.parse").unlink(missing_ok=True)
        preview, _ = self.kept_import(content, dry_run=True)
        self.assertEqual((preview.unchanged, preview.ok), (2, True))
        planned, checked = [], []
        plan, check = importing._plan, importing._check_ids_in_registry
        with (
            mock.patch.object(importing, "_plan", lambda rows, *a: planned.extend(rows) or plan(rows, *a)),
            mock.patch.object(importing, "_check_ids_in_registry", lambda *a: checked.append(a) or check(*a)),
        ):
            result, _ = self.kept_import(content, dry_run=False)
        return result, planned, checked

    def test_an_unchanged_file_confirmed_while_the_registry_stands_still_is_not_checked_twice(self):
        """D54: the preview's stamp still holds, so its word is taken for the unchanged rows and
        the ID numbers: nothing is planned, nothing looked up, nothing written."""
        members = [
            dict(m, citizen_id=n) for m, n in zip(self.MEMBERS, ("006080001234", "006185001235"), strict=True)
        ]
        content = workbook_bytes([household_row("01837-90001"), household_row("01837-90002")], members)
        audit_rows = Household.history.count() + Member.history.count() + HouseholdReview.history.count()
        result, planned, checked = self.confirmed_unchanged(content)
        self.assertTrue(result.committed, result.problems)
        self.assertEqual((result.created, result.updated, result.unchanged), (0, 0, 2))
        self.assertEqual((planned, checked), ([], []))
        self.assertEqual(
            Household.history.count() + Member.history.count() + HouseholdReview.history.count(),
            audit_rows + 2 + 2 + 2,  # the first import's own audit rows, nothing after
        )

    def test_a_household_edited_after_the_preview_is_planned_again_at_the_commit(self):
        """A write to the registry after the preview makes its stamp stale: every row is planned
        again and the ID numbers looked up again, as without a kept parse."""
        content = workbook_bytes([household_row("01837-90001"), household_row("01837-90002")], self.MEMBERS)
        self.kept_import(content, dry_run=True)
        self.kept_import(content, dry_run=False)
        Path(self.tmp.name, "ds.parse").unlink()
        self.kept_import(content, dry_run=True)
        household = Household.objects.get(code="01837-90002")
        household.head_name = "Trần Văn Sửa"
        household.save()  # an officer's edit between the preview and the confirmation
        planned, plan = [], importing._plan
        with mock.patch.object(importing, "_plan", lambda rows, *a: planned.extend(rows) or plan(rows, *a)):
            result, _ = self.kept_import(content, dry_run=False)
        self.assertTrue(result.committed, result.problems)
        self.assertEqual((result.updated, result.unchanged, len(planned)), (1, 1, 2))
        self.assertEqual(
            Household.objects.get(code="01837-90002").head_name, household_row("01837-90002")["head_name"]
        )

    def test_an_id_number_taken_after_the_preview_is_found_at_the_commit(self):
        members = [dict(self.MEMBERS[0], citizen_id="006080001234"), self.MEMBERS[1]]
        content = workbook_bytes([household_row("01837-90001")], members)
        preview, _ = self.kept_import(content, dry_run=True)
        self.assertTrue(preview.ok, preview.problems)
        other = make_household(self.duong_quang)
        Member.objects.create(
            household=other, full_name="Nguyễn Văn Ba", sex="M", birth_year=1980, relation="child",
            citizen_id="006080001234", employment="self_employed", education_level="thpt",
        )  # fmt: skip
        result, _ = self.kept_import(content, dry_run=False)
        self.assertFalse(result.committed)
        self.assertEqual([(p.sheet, p.row) for p in result.problems], [("Thành viên", 2)])
        self.assertIn("Số định danh đã có trong sổ", result.problems[0].message)
        self.assertFalse(Household.objects.filter(code="01837-90001").exists())


class FewerCollectionsTests(ImportTestCase):
    """An import raises the garbage collector's thresholds while it runs, and puts back what was
    set before when it ends, however it ends (households.importing._fewer_collections)."""

    def setUp(self):
        super().setUp()
        before = gc.get_threshold()
        self.addCleanup(gc.set_threshold, *before)
        gc.set_threshold(701, 11, 12)  # whatever the process had set

    def test_the_thresholds_are_raised_while_an_import_runs_and_put_back_after(self):
        seen = []
        plan = importing._plan

        def watched(*args, **kwargs):
            seen.append(gc.get_threshold())
            return plan(*args, **kwargs)

        with mock.patch.object(importing, "_plan", watched):
            result = self.run_import(workbook_bytes([household_row("01837-90001")]))
        self.assertTrue(result.committed, result.problems)
        self.assertEqual(seen, [importing.FEWER_COLLECTIONS])
        self.assertEqual(gc.get_threshold(), (701, 11, 12))

    def test_a_refused_file_and_a_failing_import_put_them_back_too(self):
        with self.assertRaises(RefusedFile):
            self.run_import(b"not a workbook")
        self.assertEqual(gc.get_threshold(), (701, 11, 12))
        with (
            mock.patch.object(importing, "_plan", side_effect=RuntimeError("bug")),
            self.assertRaises(RuntimeError),
        ):
            self.run_import(workbook_bytes([household_row("01837-90001")]))
        self.assertEqual(gc.get_threshold(), (701, 11, 12))

    def test_imports_that_overlap_put_them_back_when_the_last_ends(self):
        with importing._fewer_collections():
            with importing._fewer_collections():
                self.assertEqual(gc.get_threshold(), importing.FEWER_COLLECTIONS)
            self.assertEqual(gc.get_threshold(), importing.FEWER_COLLECTIONS)  # the other runs on
        self.assertEqual(gc.get_threshold(), (701, 11, 12))


class MemberEntryTests(SimpleTestCase):
    def test_the_member_fields_written_empty_are_those_a_blank_cell_leaves_none(self):
        """The member sheet is kept as tuples until a household's batch comes; _new_member then
        writes "" where a blank or wrong cell left None, as the parsed dict's fields were written."""
        left_none = {key for key, _, default in importing._member_parsers() if default is None}
        expected = left_none & set(importing.MEMBER_FIELDS) - {"birth_date"}
        self.assertEqual(set(importing._BLANK_AS_EMPTY), expected)
        member = importing._new_member(tuple(None for _ in importing.MEMBER_FIELDS))
        self.assertEqual({name for name, value in member.items() if value == ""}, expected)
        self.assertIsNone(member["birth_date"])


class MemberStreamTests(ImportTestCase):
    """The member sheet is read along with the household sheet when it lists households in the
    same order (households.importing._MemberStream, D56); in any other order the import starts
    again with the sheet grouped by code. Either way the outcome is the grouped reading's."""

    def setUp(self):
        super().setUp()
        self.rows = [household_row(f"01837-9000{n}") for n in range(1, 8)]
        self.members = []
        for n in range(1, 8):
            code = f"01837-9000{n}"
            self.members.append(
                {"code": code, "full_name": f"Lý Văn {n}", "sex": "Nam", "birth_year": 1980,
                 "relation": "Chủ hộ", "citizen_id": f"00608000123{n}"}
            )  # fmt: skip
            if n % 2:
                self.members.append(
                    {"code": code, "full_name": f"Lò Thị {n}", "sex": "Nữ", "birth_year": 1985,
                     "relation": "Vợ/chồng", "citizen_id": f"00618500123{n}"}
                )  # fmt: skip

    def outcome(self, rows, members, *, grouped: bool, dry_run: bool = False):
        """(result figures, problems, members written by household) of an import rolled back after."""
        forced = mock.patch.object(importing._MemberStream, "take", side_effect=importing._OutOfOrder)
        reads = mock.patch.object(importing, "_members_by_code", wraps=importing._members_by_code)
        with (
            transaction.atomic(),
            mock.patch.object(importing, "BATCH_SIZE", 2),
            forced if grouped else contextlib.nullcontext(),
            reads as whole,
        ):
            result = self.run_import(workbook_bytes(rows, members), dry_run=dry_run)
            written = sorted(Member.objects.values_list("household__code", "full_name", "citizen_id"))
            transaction.set_rollback(True)
        problems = [(p.sheet, p.row, p.column, p.value, p.message) for p in result.problems]
        figures = (result.committed, result.created, result.total_rows)
        return (figures, problems, written), whole.call_count

    def assertSameAsGrouped(self, rows, members, *, restarted: bool):
        for dry_run in (True, False):
            streamed, reads = self.outcome(rows, members, grouped=False, dry_run=dry_run)
            grouped, _ = self.outcome(rows, members, grouped=True, dry_run=dry_run)
            self.assertEqual(streamed, grouped)
            self.assertEqual(reads, 1 if restarted else 0)  # the sheet read whole only after a restart
        return streamed

    def test_members_in_the_households_order_are_read_a_batch_at_a_time(self):
        figures, problems, written = self.assertSameAsGrouped(self.rows, self.members, restarted=False)
        self.assertEqual((figures, problems), ((True, 7, 7), []))
        self.assertEqual(len(written), 11)

    def test_a_household_without_members_and_problems_on_the_member_sheet(self):
        members = [m for m in self.members if m["code"] != "01837-90004"]
        members[0] = dict(members[0], sex="Nữ")  # the ID number says male
        members[5] = dict(members[5], citizen_id=members[1]["citizen_id"])  # a duplicate
        _, problems, _ = self.assertSameAsGrouped(self.rows, members, restarted=False)
        self.assertEqual(
            [(row, "Số định danh" in column) for _, row, column, _, _ in problems], [(2, True), (7, True)]
        )

    def test_members_in_another_order_start_the_import_again(self):
        members = self.members[1:] + self.members[:1]  # the first household's head comes last
        figures, problems, written = self.assertSameAsGrouped(self.rows, members, restarted=True)
        self.assertEqual((figures, problems, len(written)), ((True, 7, 7), [], 11))

    def test_a_member_of_no_household_and_a_code_given_twice(self):
        members = [*self.members[:3], {**self.members[3], "code": "01837-99999"}, *self.members[4:]]
        _, problems, _ = self.assertSameAsGrouped(self.rows, members, restarted=True)
        self.assertIn("Mã hộ không có ở trang “Hộ gia đình”.", [p[4] for p in problems])
        rows = [*self.rows, household_row("01837-90002")]  # again, in a later batch
        _, problems, _ = self.assertSameAsGrouped(rows, self.members, restarted=True)
        self.assertIn("Mã hộ trùng với dòng 3 trong cùng tệp.", [p[4] for p in problems])

    def test_a_number_another_household_holds_is_found_before_its_batch_is_written(self):
        """A commit that reads the workbook (no kept parse) looks up each batch's ID numbers before
        writing it: a number another household holds is a problem, not a failed COPY."""
        Member.objects.create(
            household=make_household(self.duong_quang), full_name="Lò Thị Bảy", sex="F", birth_year=1985,
            relation="spouse", citizen_id=self.members[-1]["citizen_id"], employment="self_employed",
            education_level="thpt",
        )  # fmt: skip
        figures, problems, written = self.assertSameAsGrouped(self.rows, self.members, restarted=False)
        self.assertEqual(figures[0], False)
        self.assertEqual([p[4].split(":")[0] for p in problems], ["Số định danh đã có trong sổ"])
        self.assertFalse({name for _, name, _ in written} & {m["full_name"] for m in self.members})
