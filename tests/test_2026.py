"""Issue 15, item 5: 2026 in the product. The 2026 review names Decree 351/2025 Art. 2 (the
2022-2025 values); the 2026-2035 program has its components, the 2026 budget grid takes money,
and the system administrator corrects the catalogue by Excel."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from budgets.models import BudgetLine, Component, Program
from households.classification import HouseholdClass
from households.models import PovertyStandard
from povertyprog.accounts.models import Role
from tests.base import TWO_TIER, BaseTestCase, make_user, unit
from tests.factory import make_household, make_review

SEASON = time_machine.travel(datetime(2026, 11, 20, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), tick=True)
THREE = ("d_water", "d_latrine", "d_telecom")


def catalogue_file(rows: list[list]) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.title = "Danh mục"
    sheet.append(["Mã chương trình", "Mã", "Tên", "Loại vốn", "Phạm vi"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "danh-muc.xlsx"
    return buffer


class Standard2026Tests(BaseTestCase):
    def test_the_2026_review_names_decree_351_article_2_with_the_2022_2025_values(self):
        nd07, y2026 = PovertyStandard.objects.for_year(2025), PovertyStandard.objects.for_year(2026)
        self.assertEqual((nd07.code, nd07.last_year), ("ND07-2021", 2025))
        self.assertEqual(y2026.legal_basis, "Nghị định số 351/2025/NĐ-CP ngày 30/12/2025 (Điều 2)")
        self.assertIn("2022-2025", y2026.name)
        for name in ("rural_income_line", "urban_income_line", "rural_middle_upper", "min_deprivations"):
            self.assertEqual(getattr(y2026, name), getattr(nd07, name), name)
        self.assertEqual(PovertyStandard.objects.for_year(2027).rural_income_line, 2_200_000)

    @SEASON
    def test_a_2026_review_at_the_line_and_one_dong_above_and_its_page_label(self):
        ward = unit("01849", TWO_TIER)  # Xã Phong Quang, rural
        at_line, above = make_household(ward), make_household(ward)
        self.assertEqual(
            make_review(at_line, 2026, 1_500_000, deprived=THREE).classification, HouseholdClass.POOR
        )
        self.assertEqual(
            make_review(above, 2026, 1_500_001, deprived=THREE).classification, HouseholdClass.MIDDLE
        )
        officer = make_user("phongquang", Role.COMMUNE_OFFICER, "01849", TWO_TIER)
        self.client.force_login(officer)
        page = self.client.get(reverse("households:detail", args=[at_line.pk]))
        self.assertContains(page, "Chuẩn nghèo đa chiều năm 2026 (áp dụng chuẩn giai đoạn 2022-2025)")


class Budgets2026Tests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.ward = unit("01843", TWO_TIER)
        cls.ward_officer = make_user("phuongbackan", Role.COMMUNE_OFFICER, "01843", TWO_TIER)
        cls.program = Program.objects.for_year(2026)

    def test_a_commune_of_today_enters_2026_money_on_a_component_content(self):
        content = Component.objects.get(program=self.program, parent__number=1, number=4)
        self.client.force_login(self.ward_officer)
        overview = self.client.get("/ngan-sach/?nam=2026")
        self.assertContains(overview, "Hợp phần 1 - Nội dung thành phần 4: Phát triển nguồn nhân lực")
        self.assertNotContains(overview, "Chưa có danh mục")
        grid = f"{reverse('budgets:grid', args=[content.pk])}?nam=2026"
        self.assertEqual(self.client.get(grid).status_code, 200)
        response = self.client.post(
            grid,
            {"su_nghiep__central__assigned": "120,5", "su_nghiep__central__allocated": "120,5",
             "opened": "", "nam": "2026"},
            follow=True,
        )  # fmt: skip
        self.assertContains(response, "Đã lưu ngân sách nội dung thành phần 4 năm 2026")
        line = BudgetLine.objects.get(unit=self.ward, year=2026, component=content)
        self.assertEqual(line.assigned, 120_500_000)

    def test_the_administrator_corrects_and_completes_the_catalogue_by_excel(self):
        self.client.force_login(self.admin)
        download = self.client.get(f"{reverse('budgets:catalogue_download')}?nam=2026")
        rows = list(load_workbook(io.BytesIO(download.content)).active.iter_rows(values_only=True))
        self.assertEqual(len(rows), 1 + 17)
        self.assertEqual(rows[5][:4], ("MTQG-2026-2035", "1.4", rows[5][2], "ĐTPT, SN"))
        upload = catalogue_file(
            [
                [
                    "MTQG-2026-2035",
                    "1.4",
                    "Phát triển nguồn nhân lực và hỗ trợ tạo việc làm bền vững",
                    "SN",
                    "",
                ],
                ["MTQG-2026-2035", "1.11", "Hỗ trợ nhà ở cho hộ nghèo, hộ cận nghèo", "ĐTPT, SN", ""],
            ]
        )
        response = self.client.post(
            f"{reverse('budgets:catalogue')}?nam=2026", {"file": upload, "nam": "2026"}, follow=True
        )
        self.assertContains(response, "thêm 1, sửa 1, giữ nguyên 0 dòng")
        added = Component.objects.get(program=self.program, parent__number=1, number=11)
        self.assertEqual(
            (added.label, added.capital_types), ("Nội dung thành phần 11", ["dtpt", "su_nghiep"])
        )
        changed = Component.objects.get(program=self.program, parent__number=1, number=4)
        self.assertEqual(changed.capital_types, ["su_nghiep"])
        self.assertEqual(changed.history.first().history_user, self.admin)

    def test_a_bad_catalogue_file_names_row_and_column_and_writes_nothing(self):
        self.client.force_login(self.admin)
        before = Component.objects.count()
        upload = catalogue_file(
            [
                ["MTQG-2026-2035", "3.1", "Nội dung của hợp phần chưa có", "SN", ""],
                ["MTQG-2026-2035", "1.12", "Một nội dung", "vốn vay", ""],
                ["MTQG-9999", "1", "Chương trình không có", "SN", ""],
                ["MTQG-2026-2035", "1.13", "Nội dung hợp lệ", "SN", ""],
            ]
        )
        response = self.client.post(reverse("budgets:catalogue"), {"file": upload, "nam": "2026"})
        problems = [(p.row, p.column[:1], p.message) for p in response.context["result"].problems]
        self.assertEqual(
            [(row, column) for row, column, _ in problems], [(2, "B"), (3, "D"), (4, "A")], problems
        )
        self.assertIn("Chưa có hợp phần, dự án số 3", problems[0][2])
        self.assertIn("“vốn vay” không phải loại vốn", problems[1][2])
        self.assertEqual(Component.objects.count(), before)

    def test_only_the_system_administrator_loads_the_catalogue(self):
        self.client.force_login(self.ward_officer)
        page = self.client.get(f"{reverse('budgets:catalogue')}?nam=2026")
        self.assertContains(page, "Nội dung thành phần 10")
        self.assertNotContains(page, "Nhập danh mục từ Excel")
        response = self.client.post(reverse("budgets:catalogue"), {"file": catalogue_file([]), "nam": "2026"})
        self.assertEqual(response.status_code, 403)


class AfterThe2026ReviewTests(BaseTestCase):
    @time_machine.travel(datetime(2026, 12, 6, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), tick=True)
    def test_december_2026_does_not_offer_a_2027_review(self):
        ward = unit("01849", TWO_TIER)
        household = make_household(ward)
        make_review(household, 2025, 1_500_000, deprived=THREE)
        officer = make_user("phongquang", Role.COMMUNE_OFFICER, "01849", TWO_TIER)
        self.client.force_login(officer)
        page = self.client.get(reverse("households:detail", args=[household.pk]))
        self.assertContains(page, "Nhập kết quả rà soát năm 2026")
        make_review(household, 2026, 1_500_000, deprived=THREE)
        page = self.client.get(reverse("households:detail", args=[household.pk]))
        self.assertNotContains(page, "rà soát năm 2027")
        self.assertEqual(
            self.client.get(reverse("households:review", args=[household.pk, 2027])).status_code, 404
        )
        self.assertEqual(
            self.client.get(reverse("households:review", args=[household.pk, 2026])).status_code, 200
        )
