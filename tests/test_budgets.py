"""Program catalogue, budget lines and their rules, rollups over the unit tree, entry pages."""

import json
from datetime import date
from io import StringIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import SimpleTestCase
from django.test.utils import CaptureQueriesContext

from budgets.models import (
    ActivityOutput,
    BudgetLine,
    Component,
    OutputKind,
    PolicyResult,
    Program,
    ProgramArea,
    Scope,
)
from budgets.rules import check_line
from budgets.selectors import budget_overview
from budgets.services import (
    StaleDataError,
    budget_grid_save,
    leaf_components,
    outputs_save,
    policy_results_save,
    stamp,
)
from povertyprog.accounts.models import Role
from povertyprog.lib.money import format_million, parse_million
from tests.base import BaseTestCase, make_user, unit

M = 1_000_000


def component(project: int, sub: int | None = None, year: int = 2023) -> Component:
    program = Program.objects.for_year(year)
    parent = Component.objects.get(program=program, parent=None, number=project)
    return parent if sub is None else Component.objects.get(program=program, parent=parent, number=sub)


def line(assigned=0, allocated=0, carried_over=0, disbursed=0, as_of=None) -> dict:
    stages = dict(assigned=assigned, allocated=allocated, carried_over=carried_over, disbursed=disbursed)
    return {**stages, "disbursed_as_of": as_of}


def save(user, unit_, year, comp, rows, opened=None):
    if opened is None:
        opened = stamp(BudgetLine.objects.filter(unit=unit_, year=year, component=comp))
    return budget_grid_save(user=user, unit=unit_, year=year, component=comp, rows=rows, opened=opened)


class CatalogueTests(BaseTestCase):
    def test_2021_2025_program_has_the_seven_projects_of_decision_90(self):
        program = Program.objects.get(code="MTQG-GNBV-2021-2025")
        projects = Component.objects.filter(program=program, parent=None).order_by("number")
        self.assertEqual([p.number for p in projects], [1, 2, 3, 4, 5, 6, 7])
        subprojects = {p.number: p.children.count() for p in projects}
        self.assertEqual(subprojects, {1: 2, 2: 0, 3: 2, 4: 3, 5: 0, 6: 2, 7: 2})
        self.assertEqual(component(3, 2).name, "Cải thiện dinh dưỡng")
        self.assertEqual(component(4, 2).name, "Hỗ trợ người lao động đi làm việc ở nước ngoài theo hợp đồng")
        self.assertEqual(component(6).name, "Truyền thông và giảm nghèo về thông tin")
        self.assertEqual({p.number for p in projects if p.scope == Scope.POOR_AREAS}, {1, 5})

    def test_the_program_is_chosen_by_year_and_2026_has_the_merged_program_with_its_components(self):
        self.assertEqual(Program.objects.for_year(2025).code, "MTQG-GNBV-2021-2025")
        merged = Program.objects.for_year(2026)
        self.assertIn("nông thôn mới", merged.name)
        groups = merged.components.filter(parent=None).order_by("number")
        self.assertEqual(
            [(g.label, g.children.count()) for g in groups], [("Hợp phần 1", 10), ("Hợp phần 2", 5)]
        )
        self.assertEqual(
            str(groups[0].children.get(number=4)),
            "Nội dung thành phần 4: Phát triển nguồn nhân lực và hỗ trợ tạo việc làm bền vững",
        )

    def test_projects_for_poor_areas_apply_only_where_designated(self):
        program = Program.objects.for_year(2023)
        leaves = leaf_components(program, self.song_cau)
        self.assertNotIn(component(5), leaves)
        self.assertNotIn(component(1, 1), leaves)
        self.assertIn(component(2), leaves)  # a project without sub-projects takes lines itself
        self.assertNotIn(component(3), leaves)  # a project with sub-projects does not
        ProgramArea.objects.create(program=program, unit=self.backan_city)
        self.assertIn(component(5), leaf_components(program, self.song_cau))  # below a poor district
        self.assertTrue(any(p.component.number == 5 for p in budget_overview(unit("06"), 2023).projects))


class MoneyTests(SimpleTestCase):
    def test_amounts_shown_in_trieu_dong_with_up_to_three_decimals(self):
        self.assertEqual(format_million(2_191_705_000), "2.191,705")
        self.assertEqual(format_million(8_854_000_000), "8.854")
        self.assertEqual(format_million(45_632_742_000), "45.632,742")
        self.assertEqual(format_million(3_980_000), "3,98")
        self.assertEqual(format_million(0), "0")

    def test_amounts_typed_in_trieu_dong_are_stored_exactly_in_dong(self):
        self.assertEqual(parse_million("2.191,705"), 2_191_705_000)
        self.assertEqual(parse_million("1.000.395"), 1_000_395_000_000)
        self.assertEqual(parse_million("45,259891"), 45_259_891)
        self.assertEqual(parse_million(" 75 "), 75_000_000)

    def test_wrongly_typed_amounts_are_refused_in_vietnamese(self):
        for text, expected in (
            ("1.5", "dấu chấm ngăn cách hàng nghìn"),
            ("12,3x", "dấu phẩy trước phần thập phân"),
            ("-5", "không được âm"),
            ("1,1234567", "chính xác đến đồng"),
        ):
            with self.subTest(text), self.assertRaisesMessage(ValueError, expected):
                parse_million(text)


class RuleTests(SimpleTestCase):
    def test_disbursed_may_reach_allocated_plus_carried_over_but_not_exceed_it(self):
        self.assertTrue(check_line(assigned=250, allocated=250, carried_over=42, disbursed=292).ok)
        check = check_line(assigned=250, allocated=250, carried_over=42, disbursed=293)
        self.assertIn("vượt số đã phân bổ cộng chuyển nguồn", check.errors["disbursed"])

    def test_allocated_above_assigned_is_a_warning_not_an_error(self):
        check = check_line(assigned=100 * M, allocated=120 * M, carried_over=0, disbursed=0)
        self.assertTrue(check.ok)
        self.assertIn("lớn hơn kế hoạch vốn giao", check.warnings["allocated"])
        self.assertFalse(check_line(assigned=120, allocated=120, carried_over=0, disbursed=0).warnings)

    def test_negative_amounts_are_refused(self):
        check = check_line(assigned=-1, allocated=0, carried_over=0, disbursed=0)
        self.assertEqual(check.errors["assigned"], "Số tiền không được âm.")


class BudgetSaveTests(BaseTestCase):
    def test_an_officer_saves_a_grid_and_each_line_is_audited(self):
        result = save(self.officer, self.song_cau, 2023, component(2),
                      {("su_nghiep", "central"): line(100 * M, 80 * M, 0, 30 * M, date(2023, 12, 31)),
                       ("su_nghiep", "local"): line(5 * M)})  # fmt: skip
        self.assertEqual(result.created, 2)
        central = BudgetLine.objects.get(unit=self.song_cau, source="central")
        self.assertEqual((central.assigned, central.remaining), (100 * M, 50 * M))
        self.assertEqual(central.history.first().history_user, self.officer)

    def test_a_commune_cannot_enter_the_budget_of_another_commune(self):
        with self.assertRaises(PermissionDenied):
            save(self.officer, self.duong_quang, 2023, component(2), {("su_nghiep", "central"): line(1)})
        with self.assertRaises(PermissionDenied):
            save(self.viewer, self.backan_city, 2023, component(2), {("su_nghiep", "central"): line(1)})
        self.assertFalse(BudgetLine.objects.exists())

    def test_one_wrong_cell_writes_nothing_and_names_the_cell(self):
        with self.assertRaises(ValidationError) as caught:
            save(self.officer, self.song_cau, 2023, component(2),
                 {("su_nghiep", "central"): line(100 * M, 80 * M),
                  ("su_nghiep", "local"): line(5 * M, 5 * M, 0, 6 * M)})  # fmt: skip
        self.assertIn("su_nghiep__local__disbursed", caught.exception.message_dict)
        self.assertFalse(BudgetLine.objects.exists())

    def test_a_component_that_does_not_apply_is_refused(self):
        with self.assertRaisesMessage(ValidationError, "không áp dụng"):
            save(self.officer, self.song_cau, 2023, component(5), {("su_nghiep", "central"): line(1)})

    def test_a_second_tab_cannot_overwrite_what_the_first_saved(self):
        rows = {("su_nghiep", "central"): line(100 * M)}
        save(self.officer, self.song_cau, 2023, component(2), rows, opened="")
        with self.assertRaisesMessage(StaleDataError, "vừa được người khác cập nhật"):
            save(
                self.officer,
                self.song_cau,
                2023,
                component(2),
                {("su_nghiep", "central"): line(7 * M)},
                opened="",
            )
        self.assertEqual(BudgetLine.objects.get().assigned, 100 * M)

    def test_emptying_a_row_deletes_its_line(self):
        save(self.officer, self.song_cau, 2023, component(2), {("su_nghiep", "central"): line(100 * M)})
        result = save(self.officer, self.song_cau, 2023, component(2), {("su_nghiep", "central"): line()})
        self.assertEqual(result.deleted, 1)
        self.assertFalse(BudgetLine.objects.exists())

    def test_breakdowns_may_not_exceed_their_total(self):
        with self.assertRaises(ValidationError) as caught:
            policy_results_save(user=self.officer, unit=self.song_cau, year=2023, opened="",
                                rows={"credit": {"beneficiaries": 10, "poor": 11, "amount": 0}})  # fmt: skip
        self.assertIn("credit__poor", caught.exception.message_dict)
        kind = OutputKind.objects.get(component=component(4, 1), name="Học viên")
        with self.assertRaises(ValidationError):
            outputs_save(user=self.officer, unit=self.song_cau, year=2023, opened="",
                         rows={kind.pk: {"quantity": 5, "near_poor": 6}})  # fmt: skip
        self.assertFalse(PolicyResult.objects.exists() or ActivityOutput.objects.exists())


class RollupTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.dq_officer = make_user("duongquang", Role.COMMUNE_OFFICER, "01849")
        cls.other_district = make_user("camthuy", Role.DISTRICT_STAFF, "390")
        save(cls.officer, cls.song_cau, 2023, component(3, 1),
             {("su_nghiep", "central"): line(1_136_521_000, 1_000 * M, 0, 400 * M),
              ("su_nghiep", "local"): line(34_184_000, 30 * M, 0, 10 * M)})  # fmt: skip
        save(cls.officer, cls.song_cau, 2023, component(3, 2),
             {("su_nghiep", "central"): line(478 * M, 478 * M, 0, 53_394_410)})  # fmt: skip
        save(cls.dq_officer, cls.duong_quang, 2023, component(3, 1),
             {("su_nghiep", "central"): line(200 * M, 200 * M, 50 * M, 250 * M)})  # fmt: skip
        save(cls.district, cls.backan_city, 2023, component(7, 1),
             {("su_nghiep", "central"): line(250 * M, 250 * M, 41_880_000, 291_880_000)})  # fmt: skip
        save(cls.district, cls.backan_city, 2024, component(7, 1),
             {("su_nghiep", "central"): line(306 * M), ("su_nghiep", "local"): line(9 * M)})  # fmt: skip
        save(cls.outsider, cls.cam_luong, 2023, component(2), {("su_nghiep", "central"): line(999 * M)})

    def _project(self, overview, number):
        return next(p for p in overview.projects if p.component.number == number)

    def test_a_project_is_the_sum_of_its_subprojects_at_every_level(self):
        commune = budget_overview(self.song_cau, 2023)
        project3 = self._project(commune, 3)
        self.assertEqual(project3.total.assigned, 1_136_521_000 + 34_184_000 + 478 * M)
        self.assertEqual(project3.by_source["local"].assigned, 34_184_000)
        district = budget_overview(self.backan_city, 2023)
        self.assertEqual(self._project(district, 3).total.assigned, 1_136_521_000 + 34_184_000 + 678 * M)
        self.assertEqual(self._project(district, 7).total.disbursed, 291_880_000)
        province = budget_overview(unit("06"), 2023)
        self.assertEqual(province.total.assigned, district.total.assigned)
        self.assertEqual(province.total.assigned, 1_136_521_000 + 34_184_000 + 678 * M + 250 * M)
        self.assertEqual(province.by_source["central"].carried_over, 50 * M + 41_880_000)
        self.assertEqual(
            self._project(province, 3).by_capital["su_nghiep"].disbursed, 410 * M + 53_394_410 + 250 * M
        )

    def test_the_disbursement_rate_is_over_allocated_plus_carried_over(self):
        project7 = self._project(budget_overview(self.backan_city, 2023), 7)
        self.assertEqual(project7.total.disbursement_rate, 100.0)  # 291,88 of 250 + 41,88
        dq = self._project(budget_overview(self.duong_quang, 2023), 3)
        self.assertEqual(dq.total.disbursement_rate, 100.0)  # 250 of 200 + 50
        empty = self._project(budget_overview(self.backan_city, 2024), 7)
        self.assertIsNone(empty.total.disbursement_rate)  # nothing allocated: no rate, not 0 %

    def test_the_multi_year_table_splits_central_and_local(self):
        table = budget_overview(self.backan_city, 2023).by_year
        self.assertEqual(table.years, [2023, 2024])
        row = next(r for r in table.rows if r["component"] == component(7, 1))
        self.assertEqual(row["years"][2024], {"central": 306 * M, "local": 9 * M, "total": 315 * M})
        self.assertEqual(row["total"]["total"], 565 * M)
        self.assertEqual(table.totals["total"]["total"], 1_136_521_000 + 34_184_000 + 678 * M + 565 * M)

    def test_the_overview_runs_the_same_number_of_queries_for_more_data(self):
        province = unit("06")
        with CaptureQueriesContext(connection) as small:
            budget_overview(self.duong_quang, 2023)
        with CaptureQueriesContext(connection) as large:
            budget_overview(province, 2023)
        self.assertEqual(len(small), len(large))
        self.assertLessEqual(len(large), 8)

    def test_budget_overview_command_prints_the_documented_keys(self):
        out = StringIO()
        call_command("budget_overview", "--unit", "058", "--year", "2023", "--json", stdout=out)
        data = json.loads(out.getvalue())
        keys = {"unit", "year", "first_year", "disbursed_as_of", "program", "total", "by_source", "projects",
                "policies", "outputs", "mobilised", "mobilised_total", "mobilised_from"}  # fmt: skip
        self.assertEqual(set(data), keys)
        self.assertEqual(data["first_year"], 2023)
        project3 = next(p for p in data["projects"] if p["number"] == 3)
        self.assertEqual(project3["assigned"], 1_136_521_000 + 34_184_000 + 678 * M)
        self.assertEqual([s["number"] for s in project3["subprojects"]], [1, 2])
        self.assertEqual(data["total"]["carried_over"], 50 * M + 41_880_000)
        out = StringIO()
        call_command("budget_overview", "--unit", "058", "--year", "2023", "--since", "2022", stdout=out)
        self.assertIn("2022 - 2023: giao", out.getvalue())


class BudgetPageTests(BaseTestCase):
    def test_an_error_is_shown_at_its_cell_and_a_correct_grid_updates_the_overview(self):
        self.client.force_login(self.officer)
        url = f"/ngan-sach/du-an/{component(2).pk}/?nam=2023"
        page = self.client.get(url)
        self.assertContains(page, "triệu đồng")
        data = {"opened": page.context["opened"], "nam": "2023",
                "su_nghiep__central__assigned": "1.753", "su_nghiep__central__allocated": "1.000",
                "su_nghiep__central__disbursed": "1.200,5"}  # fmt: skip
        response = self.client.post(url, data)
        self.assertContains(response, 'data-error-for="su_nghiep__central__disbursed"')
        self.assertContains(response, "vượt số đã phân bổ cộng chuyển nguồn")
        self.assertFalse(BudgetLine.objects.exists())
        data["su_nghiep__central__disbursed"] = "228,91"
        response = self.client.post(url, data, follow=True)
        self.assertContains(response, "Đã lưu ngân sách")
        self.assertContains(response, "1.753")
        self.assertEqual(BudgetLine.objects.get().disbursed, 228_910_000)

    def test_another_communes_overview_is_404_and_viewers_cannot_enter(self):
        self.client.force_login(self.officer)
        self.assertEqual(self.client.get(f"/ngan-sach/?don_vi={self.duong_quang.pk}").status_code, 404)
        self.assertEqual(self.client.get(f"/ngan-sach/?don_vi={self.song_cau.pk}&nam=2023").status_code, 200)
        self.client.force_login(self.viewer)
        self.assertEqual(self.client.get(f"/ngan-sach/du-an/{component(2).pk}/?nam=2023").status_code, 403)
        self.assertEqual(self.client.get("/ngan-sach/?nam=2023").status_code, 200)

    def test_entry_grids_accept_grouped_counts_check_poor_plus_near_poor_and_show_every_error_at_once(self):
        self.client.force_login(self.officer)
        page = self.client.get("/ngan-sach/chinh-sach/?nam=2023")
        grouped = self.client.post("/ngan-sach/chinh-sach/?nam=2023", {
            "opened": page.context["opened"], "credit__beneficiaries": "1.234", "credit__poor": "1.000",
            "credit__near_poor": "234"}, follow=True)  # fmt: skip
        self.assertContains(grouped, "Đã lưu kết quả thực hiện chính sách")
        self.assertEqual(PolicyResult.objects.get().beneficiaries, 1234)
        page = self.client.get("/ngan-sach/chinh-sach/?nam=2023")
        both = self.client.post("/ngan-sach/chinh-sach/?nam=2023", {
            "opened": page.context["opened"], "credit__beneficiaries": "100", "credit__poor": "60",
            "credit__near_poor": "50",  # 110 households among 100
            "housing__beneficiaries": "mười"})  # fmt: skip
        errors = both.context["form"].errors
        self.assertIn("Hộ nghèo (60) cộng hộ cận nghèo (50)", errors["credit__near_poor"][0])  # the rule…
        self.assertIn("housing__beneficiaries", errors)  # …shown with the format error, at once
        self.assertEqual(PolicyResult.objects.get().beneficiaries, 1234)  # nothing written

    def test_policy_outputs_and_mobilisation_pages_save(self):
        self.client.force_login(self.officer)
        page = self.client.get("/ngan-sach/chinh-sach/?nam=2023")
        response = self.client.post("/ngan-sach/chinh-sach/?nam=2023", {
            "opened": page.context["opened"], "credit__beneficiaries": "114", "credit__poor": "42",
            "credit__near_poor": "72", "credit__amount": "5.510"}, follow=True)  # fmt: skip
        self.assertContains(response, "Đã lưu kết quả thực hiện chính sách")
        self.assertEqual(PolicyResult.objects.get().amount, 5_510 * M)
        page = self.client.get("/ngan-sach/huy-dong/?nam=2023")
        response = self.client.post("/ngan-sach/huy-dong/?nam=2023", {
            "opened": page.context["opened"], "form-TOTAL_FORMS": "3", "form-INITIAL_FORMS": "0",
            "form-0-contributor_kind": "red_cross", "form-0-contributor": "Hội Chữ thập đỏ phường",
            "form-0-amount": "180"}, follow=True)  # fmt: skip
        self.assertContains(response, "Đã lưu nguồn lực huy động")
        self.assertContains(response, 'data-testid="mobilised-total">180<')


class DemoBudgetTests(BaseTestCase):
    def test_demo_figures_match_seed_004(self):
        from budgets.demo import demo_budgets_load
        from povertyprog.accounts.demo import demo_users_load

        demo_users_load()
        demo_budgets_load()
        city = self.backan_city
        self.assertEqual(
            format_million(budget_overview(city, 2023).total.assigned), "5.662,705"
        )  # "5,663 tỷ"
        table = budget_overview(city, 2022).by_year
        row = next(r for r in table.rows if r["component"] == component(3, 1))
        self.assertEqual((row["total"]["central"], row["total"]["local"]), (2_127_521_000, 64_184_000))
        self.assertEqual(format_million(row["total"]["total"]), "2.191,705")
        self.assertEqual(budget_overview(city, 2024).mobilised_total, 1_520_882_832)
        self.assertEqual(demo_budgets_load(), 0)  # idempotent


class BudgetExcelTests(BaseTestCase):
    def _workbook(self, budget_rows, output_rows=(), headers=None):
        from openpyxl import Workbook

        from budgets.exchange import BUDGET_COLUMNS, BUDGET_SHEET, OUTPUT_COLUMNS, OUTPUT_SHEET

        book = Workbook()
        sheet = book.active
        sheet.title = BUDGET_SHEET
        sheet.append(headers or [c.header for c in BUDGET_COLUMNS])
        for row in budget_rows:
            sheet.append(row)
        outputs = book.create_sheet(OUTPUT_SHEET)
        outputs.append([c.header for c in OUTPUT_COLUMNS])
        for row in output_rows:
            outputs.append(row)
        path = self.tmp / "ngan-sach.xlsx"
        book.save(path)
        return path

    def setUp(self):
        import tempfile
        from pathlib import Path

        self.tmp = Path(tempfile.mkdtemp())

    def _import(self, path, dry_run=True, user=None):
        from budgets.exchange import budget_import

        return budget_import(user=user or self.district, unit=self.backan_city, year=2023, path=path,
                             name="ngan-sach.xlsx", dry_run=dry_run)  # fmt: skip

    def test_a_correct_file_is_previewed_then_written_exactly(self):
        path = self._workbook(
            [["3.1", "", "Kinh phí sự nghiệp", "NSTW", 1136.521, 1000, None, 253.69, "31/12/2023"],
             ["3.1", "", "kinh phi su nghiep", "nsđp", "34,184", None, None, None, None],
             ["2", "", "Kinh phí sự nghiệp", "Ngân sách trung ương", 1753, None, None, None, None]],
            [["4.1", "Học viên", "người", 69, 48, 21, None, None]],
        )  # fmt: skip
        preview = self._import(path)
        self.assertEqual((preview.ok, preview.budget_rows, preview.output_rows), (True, 3, 1))
        self.assertFalse(BudgetLine.objects.exists())  # nothing before confirmation
        self.assertTrue(self._import(path, dry_run=False).committed)
        central = BudgetLine.objects.get(component=component(3, 1), source="central")
        self.assertEqual((central.assigned, central.disbursed), (1_136_521_000, 253_690_000))
        self.assertEqual(central.disbursed_as_of, date(2023, 12, 31))
        self.assertEqual(
            BudgetLine.objects.get(component=component(3, 1), source="local").assigned, 34_184_000
        )
        self.assertEqual(ActivityOutput.objects.get().poor, 48)
        self.assertEqual(central.history.first().history_change_reason, "Nhập tệp ngan-sach.xlsx")
        history = BudgetLine.history.count()
        self.assertTrue(self._import(path, dry_run=False).committed)  # the same file again changes nothing
        self.assertEqual(BudgetLine.history.count(), history)

    def test_every_wrong_row_is_reported_with_row_and_column_and_nothing_is_written(self):
        path = self._workbook(
            [["2", "", "Kinh phí sự nghiệp", "NSTW", 100, 50, 0, 60, None],
             ["9.9", "", "Kinh phí sự nghiệp", "NSTW", 1, None, None, None, None],
             ["5", "", "Kinh phí sự nghiệp", "NSTW", 1, None, None, None, None],
             ["3.2", "", "Vốn đầu tư phát triển", "NSTW", 1, None, None, None, None],
             ["3.1", "", "Kinh phí sự nghiệp", "NSTW", "1.5", None, None, None, None],
             ["3.1", "", "Kinh phí sự nghiệp", "NSTW", 2, None, None, None, None]],
        )  # fmt: skip
        result = self._import(path, dry_run=False)
        self.assertFalse(result.committed)
        found = {(p.row, p.column.split(" ")[0]): p.message for p in result.problems}
        self.assertIn("vượt số đã phân bổ cộng chuyển nguồn", found[(2, "H")])
        self.assertIn("không áp dụng cho đơn vị", found[(3, "A")])
        self.assertIn("không áp dụng cho đơn vị", found[(4, "A")])  # project 5: poor districts only
        self.assertIn("không được giao loại vốn này", found[(5, "C")])
        self.assertIn("dấu chấm ngăn cách hàng nghìn", found[(6, "E")])
        self.assertIn("Trùng dự án, loại vốn và nguồn vốn với dòng 6", found[(7, "D")])
        self.assertFalse(BudgetLine.objects.exists())

    def test_a_file_without_the_required_columns_is_refused(self):
        from povertyprog.lib.spreadsheets import RefusedFile

        path = self._workbook([["2", 100]], headers=["Mã dự án", "Số tiền"])
        with self.assertRaisesMessage(RefusedFile, "thiếu: Loại vốn, Nguồn vốn"):
            self._import(path)

    def test_the_template_round_trips_and_the_export_holds_numbers(self):
        from openpyxl import load_workbook

        from budgets.exchange import budget_template, overview_export

        stages = line(250 * M, 250 * M, 41_880_000, 291_880_000, date(2023, 12, 31))
        save(self.district, self.backan_city, 2023, component(7, 1), {("su_nghiep", "central"): stages})
        path = self.tmp / "mau.xlsx"
        path.write_bytes(budget_template(self.backan_city, 2023))
        preview = self._import(path)
        self.assertTrue(preview.ok, preview.problems[:3])
        history = BudgetLine.history.count()
        self._import(path, dry_run=False)
        self.assertEqual(BudgetLine.history.count(), history)  # the filled template changes nothing
        (self.tmp / "bieu.xlsx").write_bytes(overview_export(budget_overview(self.backan_city, 2023)))
        book = load_workbook(self.tmp / "bieu.xlsx")
        self.assertEqual(book.sheetnames[:3], ["1. Theo nguồn vốn", "2. Theo dự án", "3. Qua các năm"])
        sheet = book["2. Theo dự án"]
        self.assertEqual(sheet.freeze_panes, "C6")
        rows = {r[1]: r for r in sheet.iter_rows(min_row=6, values_only=True)}
        project7 = next(v for k, v in rows.items() if k and k.startswith("Dự án 7"))
        self.assertEqual(project7[2:6], (250, 250, 41.88, 291.88))
        self.assertEqual(project7[7], 100)

    def test_a_file_that_blanks_a_line_lists_the_deletion_and_deletes_only_with_consent(self):
        self.assertTrue(
            self._import(
                self._workbook(
                    [["3.2", "", "Kinh phí sự nghiệp", "NSĐP", "2.191,705", None, None, None, None]]
                ),
                dry_run=False,
            ).committed
        )
        unchanged = self._import(
            self._workbook([["3.2", "", "Kinh phí sự nghiệp", "NSĐP", "2.191,705", None, None, None, None]])
        )
        self.assertEqual(unchanged.deletions, [])
        blanking = self._workbook([["3.2", "", "Kinh phí sự nghiệp", "NSĐP", None, None, None, None, None]])
        preview = self._import(blanking)
        self.assertEqual(len(preview.deletions), 1)
        self.assertIn("kế hoạch vốn giao 2.191,705", preview.deletions[0])
        self.client.force_login(self.district)
        with blanking.open("rb") as handle:
            page = self.client.post("/ngan-sach/nhap-excel/?nam=2023", {"file": handle, "nam": "2023"})
        self.assertContains(page, "sẽ bị <strong>xóa</strong>")
        confirm = {"confirm": "1", "token": page.context["token"], "nam": "2023"}
        refused = self.client.post("/ngan-sach/nhap-excel/?nam=2023", confirm)
        self.assertContains(refused, "đánh dấu đồng ý xóa")
        self.assertTrue(BudgetLine.objects.filter(component=component(3, 2)).exists())  # kept
        self.client.post("/ngan-sach/nhap-excel/?nam=2023", {**confirm, "xoa": "1"})
        self.assertFalse(BudgetLine.objects.filter(component=component(3, 2)).exists())

    def test_the_import_page_previews_confirms_once(self):
        self.client.force_login(self.district)
        path = self._workbook([["2", "", "Kinh phí sự nghiệp", "NSTW", 1753, None, None, None, None]])
        with path.open("rb") as handle:
            page = self.client.post("/ngan-sach/nhap-excel/?nam=2023", {"file": handle, "nam": "2023"})
        self.assertContains(page, "Xác nhận nhập")
        self.assertFalse(BudgetLine.objects.exists())
        token = page.context["token"]
        self.client.post("/ngan-sach/nhap-excel/?nam=2023", {"confirm": "1", "token": token, "nam": "2023"})
        response = self.client.post(
            "/ngan-sach/nhap-excel/?nam=2023", {"confirm": "1", "token": token, "nam": "2023"}, follow=True
        )
        self.assertContains(response, "đã được nhập")
        self.assertEqual(BudgetLine.objects.get().assigned, 1_753 * M)
        bad = self.tmp / "x.xls"
        bad.write_bytes(b"not excel")
        with bad.open("rb") as handle:
            page = self.client.post("/ngan-sach/nhap-excel/?nam=2023", {"file": handle, "nam": "2023"})
        self.assertContains(page, "Định dạng .xls (Excel 97-2003) không được nhận")


class CumulativePolicyTests(BaseTestCase):
    def test_the_policy_page_records_the_period_a_figure_covers(self):
        """Issue 14 (3): an officer records a cumulative figure with the year it starts."""
        self.client.force_login(self.officer)
        page = self.client.get("/ngan-sach/chinh-sach/?nam=2024")
        data = {"opened": page.context["opened"], "credit__beneficiaries": "114"}
        wrong = self.client.post("/ngan-sach/chinh-sach/?nam=2024", {**data, "credit__covers_from": "2030"})
        self.assertIn("phải trước hoặc bằng 2024", wrong.context["form"].errors["credit__covers_from"][0])
        saved = self.client.post(
            "/ngan-sach/chinh-sach/?nam=2024", {**data, "credit__covers_from": "2021"}, follow=True
        )
        self.assertContains(saved, "Đã lưu kết quả thực hiện chính sách")
        self.assertEqual(PolicyResult.objects.get().covers_from, 2021)
        self.assertContains(self.client.get("/ngan-sach/chinh-sach/?nam=2024"), 'value="2021"')


class PhaseSumTests(BaseTestCase):
    def test_the_phase_sum_equals_the_years_added_up_with_carried_over_counted_once(self):
        """D42: budget_overview(since=) against its simple twin, the yearly overviews added up."""
        lines = {
            2022: {"assigned": 160_000_000, "allocated": 160_000_000, "disbursed": 118_120_000},
            2023: {"assigned": 250_000_000, "allocated": 250_000_000, "carried_over": 41_880_000,
                   "disbursed": 291_880_000},
            2024: {"assigned": 306_000_000, "allocated": 100_000_000, "disbursed": 5_000_000},
        }  # fmt: skip
        for year, stages in lines.items():
            rows = {("su_nghiep", "central"): stages}
            budget_grid_save(
                user=self.district,
                unit=self.backan_city,
                year=year,
                opened="",
                component=component(7, 1, year),
                rows=rows,
            )
        phase = budget_overview(self.backan_city, 2024, since=2022)
        yearly = [budget_overview(self.backan_city, year) for year in (2022, 2023, 2024)]
        for stage in ("assigned", "allocated", "disbursed"):
            self.assertEqual(getattr(phase.total, stage), sum(getattr(y.total, stage) for y in yearly))
        self.assertEqual(phase.total.carried_over, 0)  # 41,88 is part of 2022's allocation
        self.assertEqual(round(phase.total.disbursement_rate, 2), round(415_000_000 * 100 / 510_000_000, 2))
        self.assertEqual(budget_overview(self.backan_city, 2023, since=2023).total, yearly[1].total)
        self.assertEqual(budget_overview(self.backan_city, 2024, since=2023).total.carried_over, 41_880_000)
