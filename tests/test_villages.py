"""Issue 16: the commune's village list. Once a commune keeps one, the household form and the
import take only its names (accents and case aside, spelled as the list spells them): a typo no
longer makes a new village; the error names the row and column and lists the villages."""

from households.models import Household, Village
from tests.test_household_pages import household_post, member_post
from tests.test_import import ImportTestCase, household_row, workbook_bytes


class VillageListTests(ImportTestCase):
    def setUp(self):
        super().setUp()
        for name in ("Tổ 2", "Tổ 3", "Thôn Nà Cưởm"):
            Village.objects.create(commune=self.song_cau, name=name)
        self.client.force_login(self.officer)

    def test_the_form_refuses_a_name_off_the_list_and_spells_a_listed_one_as_listed(self):
        head = member_post(0, "Nguyễn Văn Bình", "head", 1980)
        response = self.client.post("/ho-gia-dinh/them/", household_post([head], village="Tổ 33"))
        self.assertContains(response, "“Tổ 33” không có trong danh sách thôn, tổ dân phố của Phường Sông Cầu")
        self.assertFalse(Household.objects.exists())
        self.client.post("/ho-gia-dinh/them/", household_post([head], village="thon na cuom"))
        self.assertEqual(Household.objects.get().village, "Thôn Nà Cưởm")

    def test_the_import_names_the_row_and_column_of_a_village_off_the_list(self):
        content = workbook_bytes(
            [household_row("01837-90001"), household_row("01837-90002", village="To 22")]
        )
        result = self.run_import(content)
        self.assertFalse(result.committed)
        (problem,) = result.problems
        self.assertEqual((problem.row, problem.value), (3, "To 22"))
        self.assertIn("Thôn, tổ dân phố", problem.column)
        self.assertIn(
            "“To 22” không có trong danh sách thôn, tổ dân phố của Phường Sông Cầu", problem.message
        )
        self.assertFalse(Household.objects.exists())  # nothing half-written

    def test_a_commune_without_a_list_takes_any_name(self):
        Village.objects.all().delete()
        self.run_import(workbook_bytes([household_row("01837-90001", village="Tổ Mới")]))
        self.assertEqual(Household.objects.get().village, "Tổ Mới")
