import io

from django.urls import reverse
from openpyxl import load_workbook

from households.exporting import statistics_export
from households.selectors import registry_stats
from tests.base import BaseTestCase
from tests.factory import make_household, make_review

DEPRIVED = ["d_water", "d_latrine", "d_telecom"]


class StatisticsExportTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        for commune, incomes in (
            (cls.song_cau, [1_000_000, 1_900_000, 5_000_000]),
            (cls.duong_quang, [900_000]),
        ):
            for income in incomes:
                household = make_household(commune, members=3)
                make_review(household, 2022, 5_000_000)
                make_review(household, 2023, income, DEPRIVED)

    def sheet(self, name: str, unit=None):
        book = load_workbook(io.BytesIO(statistics_export(unit or self.backan_city, 2023, unapproved=[])))
        return book[name]

    def row_of(self, sheet, name: str) -> list:
        for row in sheet.iter_rows(values_only=True):
            if row[1] == name:
                return list(row)
        raise AssertionError(name)

    def test_results_table_numbers_districts_and_communes(self):
        sheet = self.sheet("1. Kết quả rà soát")
        numbers = [row[0] for row in sheet.iter_rows(min_row=6, values_only=True)]
        self.assertEqual(numbers, ["1", *[f"1.{i}" for i in range(1, 9)]])
        self.assertTrue(sheet["A6"].font.bold)
        self.assertFalse(sheet["A7"].font.bold)
        self.assertEqual(sheet["F5"].value, "(4)=(3)/(1)×100")
        city = self.row_of(sheet, "Thành phố Bắc Kạn")
        stats = registry_stats(self.backan_city, 2023)["households"]
        self.assertEqual(city[2:6], [stats["total"], stats["persons"], stats["poor"], stats["poor_rate"]])
        self.assertEqual(city[2:6], [4, 12, 3, 75.0])
        song_cau = self.row_of(sheet, "Phường Sông Cầu")
        self.assertEqual(song_cau[2:8], [3, 9, 2, 66.67, 0, 0.0])  # 1.9M is poor under the urban line
        self.assertIsInstance(song_cau[2], int)  # numbers, not text
        self.assertEqual(sheet.freeze_panes, "C6")

    def test_change_tables_hold_the_identity_in_every_row(self):
        sheet = self.sheet("2. Diễn biến hộ nghèo")
        self.assertEqual(sheet["K5"].value, "(9)=(1)-(2)-(3)-(4)+(5)+(6)+(7)+(8)")
        rows = list(sheet.iter_rows(min_row=6, values_only=True))
        self.assertEqual(len(rows), 18)  # 9 units × households and persons
        for row in rows:
            start, d2, d3, d4, i5, i6, i7, i8, end = row[2:]
            self.assertEqual(end, start - d2 - d3 - d4 + i5 + i6 + i7 + i8, row)
        self.assertEqual(self.row_of(sheet, "Thành phố Bắc Kạn – Hộ")[2:], [0, 0, 0, 0, 0, 0, 3, 0, 3])

    def test_deprivation_tables_in_counts_and_rates(self):
        counts = self.row_of(self.sheet("4a. Thiếu hụt hộ nghèo"), "Thành phố Bắc Kạn")
        self.assertEqual(counts[2:4], [3, 9])
        self.assertEqual(counts[4 + 9], 3)  # indicator 10 (latrine)
        rates = self.row_of(self.sheet("4b. Tỷ lệ thiếu hụt hộ nghèo"), "Thành phố Bắc Kạn")
        self.assertEqual(rates[3 + 9], 100.0)

    def test_a_commune_export_has_one_row(self):
        sheet = self.sheet("1. Kết quả rà soát", self.song_cau)
        self.assertEqual(
            [row[:2] for row in sheet.iter_rows(min_row=6, values_only=True)], [("1", "Phường Sông Cầu")]
        )

    def test_the_workbook_says_official_only_when_every_commune_is_approved(self):
        """Issue 14 (9): official means approved only; provisional figures are always marked."""
        self.client.force_login(self.officer)
        response = self.client.get(reverse("households:stats_download"), {"nam": 2023})
        sheet = load_workbook(io.BytesIO(response.content))["1. Kết quả rà soát"]
        top = " ".join(str(c) for row in sheet.iter_rows(max_row=3, values_only=True) for c in row if c)
        self.assertNotIn("CHÍNH THỨC", top)
        self.assertIn("SỐ LIỆU TẠM TÍNH: 1 đơn vị chưa được phê duyệt (Phường Sông Cầu)", top)
        official = self.sheet("1. Kết quả rà soát", self.song_cau)
        top = " ".join(str(c) for row in official.iter_rows(max_row=3, values_only=True) for c in row if c)
        self.assertIn("TỔNG HỢP KẾT QUẢ CHÍNH THỨC", top)

    def test_download_is_scoped(self):
        self.client.force_login(self.officer)
        response = self.client.get(reverse("households:stats_download"), {"nam": 2023})
        self.assertTrue(response.content.startswith(b"PK"))
        response = self.client.get(reverse("households:stats_download"), {"don_vi": self.backan_city.pk})
        self.assertEqual(response.status_code, 404)
