import json
from io import StringIO

from django.core.management import call_command
from django.urls import reverse

from households.classification import HouseholdClass
from households.models import Household, HouseholdReview, PovertyStandard
from households.resources import HouseholdResource
from tests.base import BaseTestCase
from tests.factory import make_household, make_review


def member_post(index: int, name: str, relation: str, birth_year: int, **extra) -> dict:
    prefix = f"members-{index}-"
    data = {
        "full_name": name, "sex": "M", "birth_year": str(birth_year), "relation": relation,
        "ethnicity": "01", "has_health_insurance": "on", "education_level": "thpt",
        "employment": "self_employed",
    }  # fmt: skip
    data.update(extra)
    return {prefix + key: value for key, value in data.items()}


def household_post(members: list[dict], **fields) -> dict:
    data = {
        "head_name": "Nguyễn Văn Bình", "village": "Tổ 3", "ethnicity": "01", "origin": "resident",
        "members-TOTAL_FORMS": str(len(members)), "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0", "members-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    for member in members:
        data.update(member)
    data.update(fields)
    return data


class HouseholdScopingTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.own = make_household(cls.song_cau, members=2)
        cls.sibling = make_household(cls.duong_quang, members=2)
        cls.foreign = make_household(cls.cam_luong, members=2)

    def test_officer_gets_404_for_another_communes_household_on_every_page(self):
        self.client.force_login(self.officer)
        for household in (self.sibling, self.foreign):
            for url in (
                reverse("households:detail", args=[household.pk]),
                reverse("households:edit", args=[household.pk]),
                reverse("households:review", args=[household.pk, 2023]),
            ):
                self.assertEqual(self.client.get(url).status_code, 404, url)
                self.assertEqual(self.client.post(url, {}).status_code, 404, url)

    def test_officer_list_shows_own_commune_only(self):
        self.client.force_login(self.officer)
        response = self.client.get(reverse("households:list"))
        codes = [row["code"] for row in response.context["page"]]
        self.assertEqual(codes, [self.own.code])
        response = self.client.get(reverse("households:list"), {"don_vi": self.duong_quang.pk})
        self.assertEqual(response.status_code, 404)

    def test_district_staff_read_but_cannot_write(self):
        self.client.force_login(self.district)
        self.assertEqual(self.client.get(reverse("households:detail", args=[self.own.pk])).status_code, 200)
        self.assertEqual(self.client.get(reverse("households:edit", args=[self.own.pk])).status_code, 403)
        self.assertEqual(self.client.get(reverse("households:create")).status_code, 403)
        self.assertEqual(
            self.client.get(reverse("households:detail", args=[self.foreign.pk])).status_code, 404
        )
        response = self.client.get(reverse("households:list"))
        self.assertEqual(
            {row["code"] for row in response.context["page"]}, {self.own.code, self.sibling.code}
        )

    def test_viewer_cannot_write(self):
        self.client.force_login(self.viewer)
        self.assertEqual(self.client.get(reverse("households:detail", args=[self.own.pk])).status_code, 200)
        response = self.client.post(reverse("households:review", args=[self.own.pk, 2023]), {})
        self.assertEqual(response.status_code, 403)
        self.assertFalse(HouseholdReview.objects.exists())


class HouseholdEntryTestCase(BaseTestCase):
    def test_officer_creates_a_household_with_members_and_audit(self):
        self.client.force_login(self.officer)
        members = [
            member_post(0, "Nguyễn Văn Bình", "head", 1980),
            member_post(1, "Lê Thị Hoa", "spouse", 1982, sex="F"),
            member_post(2, "Nguyễn Văn An", "child", 2015, education_level="tieu_hoc", attends_school="on"),
        ]
        response = self.client.post(reverse("households:create"), household_post(members))
        household = Household.objects.get(head_name="Nguyễn Văn Bình")
        self.assertRedirects(response, reverse("households:detail", args=[household.pk]))
        self.assertEqual(household.commune, self.song_cau)
        self.assertEqual(household.code, "01837-00001")
        self.assertEqual(household.members.count(), 3)
        self.assertEqual(household.history.first().history_user, self.officer)

    def test_sending_the_add_form_twice_creates_one_household(self):
        self.client.force_login(self.officer)
        token = self.client.get(reverse("households:create")).context["form"]["submission"].value()
        data = household_post([member_post(0, "Nguyễn Văn Bình", "head", 1980)], submission=token)
        first = self.client.post(reverse("households:create"), data)
        second = self.client.post(reverse("households:create"), data, follow=True)
        household = Household.objects.get()
        self.assertRedirects(first, reverse("households:detail", args=[household.pk]))
        self.assertContains(second, "Hộ này đã được lưu rồi")
        other = self.client.get(reverse("households:create")).context["form"]["submission"].value()
        self.assertNotEqual(other, token)  # a new form may add another household

    def test_errors_are_shown_in_vietnamese_at_the_field(self):
        self.client.force_login(self.officer)
        members = [member_post(0, "Nguyễn Văn Bình", "head", 1850)]
        response = self.client.post(reverse("households:create"), household_post(members, head_name="Bình"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'data-error-for="head_name">Nhập đầy đủ họ và tên chủ hộ.')
        self.assertContains(response, 'data-error-for="members-0-birth_year">Năm sinh phải từ 1900')
        self.assertFalse(Household.objects.exists())

    def test_a_household_needs_exactly_one_head(self):
        self.client.force_login(self.officer)
        members = [
            member_post(0, "Nguyễn Văn Bình", "child", 1980),
            member_post(1, "Lê Thị Hoa", "spouse", 1982),
        ]
        response = self.client.post(reverse("households:create"), household_post(members))
        self.assertContains(response, "Hộ phải có đúng một thành viên là chủ hộ.")
        self.assertFalse(Household.objects.exists())

    def test_two_tabs_cannot_silently_overwrite_each_other(self):
        household = make_household(self.song_cau, members=0, head_name="Trần Văn Cường")
        self.client.force_login(self.officer)
        url = reverse("households:edit", args=[household.pk])
        form_version = self.client.get(url).context["form"]["version"].value()
        first = household_post([], head_name="Trần Văn Cường", village="Tổ 5", version=str(form_version))
        second = household_post([], head_name="Trần Văn Cường", village="Tổ 9", version=str(form_version))
        self.assertEqual(self.client.post(url, first).status_code, 302)
        response = self.client.post(url, second)
        self.assertContains(response, "vừa được người khác cập nhật")
        household.refresh_from_db()
        self.assertEqual(household.village, "Tổ 5")
        self.assertEqual(household.version, form_version + 1)


class ReviewEntryTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.household = make_household(cls.song_cau, members=0, head_name="Hoàng Văn Dũng")

    def post_review(self, **fields):
        data = {"review_type": "periodic", "review_date": "20/11/2023", "method": "income"}
        data.update(fields)
        return self.client.post(reverse("households:review", args=[self.household.pk, 2023]), data)

    def test_the_class_is_computed_from_income_and_deprivations(self):
        self.client.force_login(self.officer)
        response = self.post_review(
            income_per_capita="2.000.000", d_latrine="on", d_water="on", d_telecom="on"
        )
        self.assertEqual(response.status_code, 302)
        review = HouseholdReview.objects.get(household=self.household, year=2023)
        self.assertEqual(review.classification, HouseholdClass.POOR)  # urban line 2,000,000
        self.assertEqual(review.standard.code, "ND07-2021")
        self.assertEqual(review.history.first().history_user, self.officer)

    def test_two_tabs_cannot_silently_overwrite_a_review(self):
        self.client.force_login(self.officer)
        url = reverse("households:review", args=[self.household.pk, 2023])
        opened = self.client.get(url).context["form"]["opened_at"].value()
        self.assertEqual(self.post_review(income_per_capita="900000", opened_at=opened).status_code, 302)
        response = self.post_review(income_per_capita="5000000", opened_at=opened)  # the second tab
        self.assertContains(response, "vừa được người khác cập nhật")
        self.assertEqual(HouseholdReview.objects.get().income_per_capita, 900_000)
        opened = self.client.get(url).context["form"]["opened_at"].value()
        self.assertEqual(self.post_review(income_per_capita="5000000", opened_at=opened).status_code, 302)
        self.assertEqual(HouseholdReview.objects.get().income_per_capita, 5_000_000)

    def test_income_out_of_range_is_refused_at_the_field(self):
        self.client.force_login(self.officer)
        response = self.post_review(income_per_capita="150.000.000")
        self.assertContains(response, 'data-error-for="income_per_capita">Thu nhập bình quân vượt quá')
        response = self.post_review(income_per_capita="-5")
        self.assertContains(response, 'data-error-for="income_per_capita">')
        response = self.post_review(income_per_capita="")
        self.assertContains(response, "Nhập thu nhập bình quân đầu người/tháng.")
        self.assertFalse(HouseholdReview.objects.exists())

    def test_overriding_a_member_derived_indicator_needs_a_reason(self):
        # An adult without health insurance: indicator 4 is deprived by the members.
        self.household.members.create(
            full_name="Hoàng Văn Dũng", sex="M", birth_year=1980, relation="head", has_health_insurance=False
        )
        self.client.force_login(self.officer)
        response = self.post_review(income_per_capita="1000000")  # d_health_insurance left unticked
        self.assertContains(response, 'data-error-for="d_health_insurance">Theo thông tin thành viên')
        self.assertFalse(HouseholdReview.objects.exists())
        response = self.post_review(
            income_per_capita="1000000", reason_d_health_insurance="Đã mua thẻ 11/2023"
        )
        self.assertEqual(response.status_code, 302)
        review = HouseholdReview.objects.get()
        self.assertFalse(review.d_health_insurance)
        self.assertEqual(review.overrides, {"d_health_insurance": "Đã mua thẻ 11/2023"})


class QueryCountTestCase(BaseTestCase):
    def count_queries(self) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as context:
            self.client.get(reverse("households:list"), {"nam": 2023, "phan_loai": "poor"})
            self.client.get(reverse("households:stats"), {"nam": 2023})
        return len(context.captured_queries)

    def test_list_and_statistics_run_a_constant_number_of_queries(self):
        self.client.force_login(self.district)
        for _ in range(3):
            make_review(
                make_household(self.song_cau, members=2),
                2023,
                1_000_000,
                ["d_water", "d_latrine", "d_telecom"],
            )
        few = self.count_queries()
        for _ in range(40):
            commune = self.duong_quang if _ % 2 else self.song_cau
            make_review(
                make_household(commune, members=3), 2023, 1_000_000, ["d_water", "d_latrine", "d_telecom"]
            )
        self.assertGreater(few, 5)
        self.assertEqual(self.count_queries(), few)


class RegistryStatsCommandTestCase(BaseTestCase):
    def test_it_prints_documented_json(self):
        make_review(
            make_household(self.song_cau, members=3), 2023, 1_000_000, ["d_water", "d_latrine", "d_telecom"]
        )
        out = StringIO()
        call_command("registry_stats", "--unit", "058", "--year", "2023", "--json", stdout=out)
        data = json.loads(out.getvalue())
        self.assertEqual(set(data), {"unit", "year", "households", "indicators", "dimensions",
                                     "deprivations_total", "causes", "groups", "ethnicities", "changes",
                                     "children"})  # fmt: skip
        self.assertEqual(data["unit"]["name"], "Thành phố Bắc Kạn")
        self.assertEqual((data["households"]["total"], data["households"]["poor"]), (1, 1))
        self.assertEqual(data["changes"]["poor"]["households"]["new"], 1)


class AdminTestCase(BaseTestCase):
    def test_standards_are_editable_and_the_registry_read_only_in_the_admin(self):
        self.client.force_login(self.admin)
        standard = PovertyStandard.objects.get(code="ND351-2025")
        url = reverse("admin:households_povertystandard_change", args=[standard.pk])
        self.assertEqual(self.client.get(url).status_code, 200)
        self.assertEqual(
            self.client.get(reverse("admin:households_householdreview_changelist")).status_code, 200
        )
        self.assertEqual(self.client.get(reverse("admin:households_household_add")).status_code, 403)
        make_household(self.song_cau, members=0, code="01837-77777", head_name="Đỗ Văn Tư")
        # No unlogged export of people from the admin (households.privacy): the resource stays
        # the import benchmark's baseline.
        changelist = self.client.get(reverse("admin:households_household_changelist")).content.decode()
        self.assertNotIn("/household/export/", changelist)
        exported = HouseholdResource().export().csv
        self.assertIn("Mã hộ,Mã xã,Họ tên chủ hộ", exported)
        self.assertIn("01837-77777,01837,Đỗ Văn Tư", exported)
