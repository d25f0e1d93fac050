"""Issue 15, items 3-4: households moving between communes, splitting and merging keep one
identity and show in the change tables; one person, one record across the whole registry."""

import tempfile
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from households.citizen_ids import PROVINCE_CODES, citizen_id_problem
from households.identity import conflict_resolve
from households.importing import household_import
from households.models import CitizenIdConflict, Household, HouseholdReview, Member, Origin, Resolution
from households.moves import household_merge, household_move, household_split, merge_target
from households.rollups import rollups_rebuild
from households.selectors import registry_stats
from povertyprog.accounts.models import Role
from povertyprog.approvals import LockedError
from povertyprog.units.models import AdministrativeUnit, Level
from reports.models import State, Submission
from tests.base import THREE_TIER, TWO_TIER, BaseTestCase, make_user, unit
from tests.factory import annual_period, make_household, make_review
from tests.test_household_pages import household_post, member_post
from tests.test_import import household_row, workbook_bytes

POOR = {"income": 1_000_000, "deprived": ("d_water", "d_latrine", "d_telecom")}
NEAR_POOR = {"income": 1_000_000}
# A day of the 2026 review season: moves are dated before it, reviews of 2026 are open.
SEASON = time_machine.travel(datetime(2026, 11, 20, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), tick=True)


def identity_holds(table: dict) -> bool:
    """(9) = 1 - 2 - 3 - 4 + 5 + 6 + 7 + 8, whatever the keys of the table's columns."""
    decreases = ("to_near_poor", "above_near_poor", "escaped", "to_poor", "other_decrease")
    increases = ("from_near_poor", "from_poor", "fell_back", "new", "other_increase")
    start = table["start"] - sum(table.get(k, 0) for k in decreases) + sum(table.get(k, 0) for k in increases)
    return start == table["end"]


class MoveTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.ward = unit("01843", TWO_TIER)  # Phường Bắc Kạn
        cls.phong_quang = unit("01849", TWO_TIER)
        cls.province_19 = unit("19", TWO_TIER)
        cls.ward_officer = make_user("phuongbackan", Role.COMMUNE_OFFICER, "01843", TWO_TIER)
        cls.pq_officer = make_user("phongquang", Role.COMMUNE_OFFICER, "01849", TWO_TIER)

    def _poor_table(self, where, year):
        return registry_stats(where, year)["changes"]["poor"]["households"]

    @SEASON
    def test_a_household_moved_out_is_giam_khac_there_and_tang_khac_where_it_arrives(self):
        mover = make_household(self.ward, members=3)
        staying = make_household(self.phong_quang, members=2)
        for household in (mover, staying):
            make_review(household, 2025, **POOR)
        period = annual_period(2025)
        for commune in (self.ward, self.phong_quang):
            Submission.objects.create(unit=commune, period=period, state=State.APPROVED)
        approved = {c: registry_stats(c, 2025) for c in (self.ward, self.phong_quang)}

        household_move(
            user=self.ward_officer,
            household=mover,
            to_commune=self.phong_quang,
            village="Thôn Nà Cù",
            moved_on=date(2026, 3, 10),
            expected_version=mover.version,
        )
        make_review(Household.objects.get(pk=mover.pk), 2026, **POOR)
        make_review(staying, 2026, **POOR)

        # One identity: the same row, its 2025 review still where it was recorded and approved.
        mover.refresh_from_db()
        self.assertEqual(
            (mover.commune, mover.village, mover.members.count()), (self.phong_quang, "Thôn Nà Cù", 3)
        )
        self.assertEqual(HouseholdReview.objects.get(household=mover, year=2025).commune, self.ward)
        for commune, stats in approved.items():
            self.assertEqual(registry_stats(commune, 2025), stats)
        ward, receiving = self._poor_table(self.ward, 2026), self._poor_table(self.phong_quang, 2026)
        self.assertEqual((ward["start"], ward["other_decrease"], ward["end"]), (1, 1, 0))
        self.assertEqual((receiving["start"], receiving["other_increase"], receiving["end"]), (1, 1, 2))
        self.assertEqual(receiving["new"], 0)  # an arrival, not a newly poor household
        province = self._poor_table(self.province_19, 2026)
        self.assertEqual((province["other_decrease"], province["other_increase"]), (1, 1))
        for table in (ward, receiving, province):
            self.assertTrue(identity_holds(table), table)
        # The rollups kept up to date by each write equal a rebuild from the reviews.
        maintained = [registry_stats(u, y) for u in (self.ward, self.phong_quang) for y in (2025, 2026)]
        rollups_rebuild()
        self.assertEqual([registry_stats(u, y) for u in (self.ward, self.phong_quang) for y in (2025, 2026)],
                         maintained)  # fmt: skip
        # Persons follow: three persons leave the ward and arrive in Phong Quang.
        persons = registry_stats(self.phong_quang, 2026)["changes"]["poor"]["persons"]
        self.assertEqual(persons["other_increase"], 3)
        # The audit says who moved it, when, where to.
        last = mover.history.order_by("-history_id").first()
        self.assertEqual(last.history_user, self.ward_officer)
        self.assertIn("Chuyển đi Xã Phong Quang ngày 10/03/2026", last.history_change_reason)
        # The approved year of the receiving commune cannot take the household's 2025 figures.
        with self.assertRaises(LockedError):
            make_review(Household.objects.get(pk=mover.pk), 2025, **NEAR_POOR)

    @SEASON
    def test_a_move_is_refused_with_its_reason(self):
        household = make_household(self.ward)
        old = make_household(self.song_cau)
        cases = [
            (self.pq_officer, household, self.ward, "không có quyền"),
            (self.ward_officer, household, self.ward, "Xã đến trùng"),
            (self.officer, old, self.ward, "chuyển sổ hộ sang xã mới trước"),
        ]
        for user, moving, to, message in cases:
            with self.subTest(message), self.assertRaisesMessage(Exception, message):
                household_move(
                    user=user, household=moving, to_commune=to, village="Tổ 1",
                    moved_on=date(2026, 3, 1), expected_version=moving.version,
                )  # fmt: skip
        with self.assertRaisesMessage(ValidationError, "sau hôm nay"):
            household_move(
                user=self.ward_officer, household=household, to_commune=self.phong_quang, village="Tổ 1",
                moved_on=date(2026, 12, 1), expected_version=household.version,
            )  # fmt: skip
        self.assertEqual(Household.objects.get(pk=household.pk).commune, self.ward)

    @SEASON
    def test_splitting_keeps_the_members_rows_and_the_new_household_arrives(self):
        household = make_household(self.ward, members=4)
        make_review(household, 2025, **POOR)
        members = list(household.members.order_by("id"))
        with self.assertRaisesMessage(ValidationError, "Chủ hộ cũ ở lại"):
            household_split(
                user=self.ward_officer, household=household, member_ids=[members[0].pk],
                head_id=members[0].pk, village="", moved_on=date(2026, 5, 2),
                expected_version=household.version,
            )  # fmt: skip
        household.refresh_from_db()
        new = household_split(
            user=self.ward_officer,
            household=household,
            member_ids=[members[2].pk, members[3].pk],
            head_id=members[3].pk,
            village="Tổ 9",
            moved_on=date(2026, 5, 2),
            expected_version=household.version,
        )
        self.assertEqual(
            (new.origin, new.head_name, new.commune), (Origin.SPLIT, members[3].full_name, self.ward)
        )
        moved = Member.objects.get(pk=members[3].pk)  # the same row: its id and history stay
        self.assertEqual((moved.household, moved.relation), (new, "head"))
        self.assertIn(f"Tách hộ: từ hộ {household.code}", moved.history.first().history_change_reason)
        self.assertEqual(household.members.count(), 2)
        make_review(new, 2026, **POOR)
        make_review(household, 2026, **POOR)
        table = self._poor_table(self.ward, 2026)
        self.assertEqual((table["start"], table["other_increase"], table["new"], table["end"]), (1, 1, 0, 2))
        persons = registry_stats(self.ward, 2026)["changes"]["poor"]["persons"]
        self.assertEqual((persons["start"], persons["end"]), (4, 4))
        self.assertTrue(identity_holds(persons), persons)

    @SEASON
    def test_merging_moves_every_member_and_the_household_is_reviewed_no_more(self):
        household = make_household(self.ward, members=2)
        into = make_household(self.ward, members=1)
        make_review(household, 2025, **POOR)
        ids = set(household.members.values_list("pk", flat=True))
        household_merge(
            user=self.ward_officer, household=household, into=into, moved_on=date(2026, 2, 1),
            expected_version=household.version,
        )  # fmt: skip
        household.refresh_from_db()
        self.assertEqual(household.merged_into, into)
        self.assertEqual(set(into.members.values_list("pk", flat=True)) & ids, ids)
        self.assertEqual(into.members.filter(relation="head").count(), 1)
        with self.assertRaisesMessage(ValidationError, "đã nhập vào hộ khác"):
            make_review(household, 2026, **POOR)
        # A household of another commune is not a target, and says no more than "not yours".
        other = make_household(self.phong_quang)
        with self.assertRaisesMessage(
            ValidationError, f"Không có hộ mã “{other.code}” trong đơn vị của bạn."
        ):
            merge_target(self.ward_officer, other.code)
        self.assertEqual(merge_target(self.ward_officer, f" {into.code} "), into)
        self.assertEqual(self._poor_table(self.ward, 2026)["other_decrease"], 1)

    @SEASON
    def test_the_moves_page_records_a_move_and_another_commune_gets_404(self):
        household = make_household(self.ward)
        url = reverse("households:moves", args=[household.pk])
        self.client.force_login(self.pq_officer)
        self.assertEqual(self.client.get(url).status_code, 404)
        self.client.force_login(self.ward_officer)
        page = self.client.get(url)
        self.assertContains(page, "Chuyển đi xã, phường khác")
        response = self.client.post(
            url,
            {"action": "move", "move-to_commune": "99999", "move-village": "Tổ 1",
             "move-moved_on": "10/03/2026", "move-version": household.version},
        )  # fmt: skip
        self.assertContains(response, "Mã xã “99999” không phải xã, phường đang hoạt động.")
        response = self.client.post(
            url,
            {"action": "move", "move-to_commune": "01849", "move-village": "Tổ 1",
             "move-moved_on": "10/03/2026", "move-version": household.version},
        )  # fmt: skip
        self.assertRedirects(response, reverse("households:list"))
        self.assertEqual(Household.objects.get(pk=household.pk).commune, self.phong_quang)
        # A form opened before the move (its version) is refused, even for the commune it now belongs to.
        self.client.force_login(self.pq_officer)
        again = self.client.post(
            url,
            {"action": "move", "move-to_commune": "01843", "move-village": "Tổ 1",
             "move-moved_on": "10/03/2026", "move-version": household.version},
        )  # fmt: skip
        self.assertContains(again, "vừa được người khác cập nhật")
        self.assertEqual(Household.objects.get(pk=household.pk).commune, self.phong_quang)


class CitizenIdRuleTests(BaseTestCase):
    def test_province_codes_are_the_provinces_of_the_three_tier_tree(self):
        provinces = AdministrativeUnit.objects.filter(level=Level.PROVINCE, valid_from=THREE_TIER)
        self.assertEqual(PROVINCE_CODES, {f"0{code}" for code in provinces.values_list("code", flat=True)})

    def test_digits_of_the_number_against_sex_and_year_of_birth(self):
        cases = [
            ("006085001234", "M", 1985, None),
            ("006185001234", "F", 1985, None),
            ("006199001234", "F", 1999, None),  # last year of the 20th century
            ("006200001234", "M", 2000, None),  # first of the 21st
            ("006300001234", "F", 2000, None),
            ("006085001234", "F", 1985, "giới tính nam"),
            ("006200001234", "M", 1900, "năm sinh 2000, khác năm sinh 1900"),
            ("006000001234", "M", 1900, None),
            ("003085001234", "M", 1985, "không phải mã tỉnh"),  # 003 was never a province
            ("00608500123", "M", 1985, "đúng 12 chữ số"),
            ("0060850012345", "M", 1985, "đúng 12 chữ số"),
            ("00608500123a", "M", 1985, "đúng 12 chữ số"),
        ]
        for number, sex, year, problem in cases:
            with self.subTest(number):
                found = citizen_id_problem(number, sex=sex, birth_year=year)
                if problem is None:
                    self.assertIsNone(found)
                else:
                    self.assertIn(problem, found or "")


class DuplicateIdTests(BaseTestCase):
    NUMBER = "006085001234"

    def setUp(self):
        self.holder_household = make_household(self.song_cau, members=1)
        Member.objects.filter(household=self.holder_household).update(
            citizen_id=self.NUMBER, birth_year=1985, sex="M", full_name="Hoàng Văn Nam"
        )
        self.holder = self.holder_household.members.get()
        self.cam_luong_officer = self.outsider

    def _create_in_cam_luong(self):
        self.client.force_login(self.cam_luong_officer)
        data = household_post(
            [member_post(0, "Hoàng Văn Nam", "head", 1985, citizen_id=self.NUMBER)],
            head_name="Hoàng Văn Nam", submission="t1",
        )  # fmt: skip
        return self.client.post(reverse("households:create"), data, follow=True)

    def test_a_number_held_in_another_commune_waits_in_the_queue_not_twice_in_the_registry(self):
        response = self._create_in_cam_luong()
        self.assertContains(response, "đã có ở một hộ khác (Phường Sông Cầu)")
        self.assertEqual(Member.objects.filter(citizen_id=self.NUMBER).count(), 1)
        conflict = CitizenIdConflict.objects.get()
        claimant = conflict.claimant
        self.assertEqual((claimant.citizen_id, claimant.household.commune), ("", self.cam_luong))
        self.assertEqual((conflict.holder, conflict.raised_by), (self.holder, self.cam_luong_officer))
        # Both units see it in their queue, the number masked; a third commune does not.
        for user in (self.officer, self.cam_luong_officer):
            self.client.force_login(user)
            queue = self.client.get(reverse("households:id_queue"))
            self.assertContains(queue, "Hoàng Văn Nam", count=2)
            self.assertNotContains(queue, self.NUMBER)
        other = make_user("xakhac", Role.COMMUNE_OFFICER, "01849")
        self.client.force_login(other)
        self.assertContains(self.client.get(reverse("households:id_queue")), "Không có trường hợp trùng số")

    def test_each_unit_decides_about_its_own_rows_and_the_person_moves_with_history(self):
        self._create_in_cam_luong()
        conflict = CitizenIdConflict.objects.get()
        claimant_household = conflict.claimant_household
        # Letting the person go is the holder's unit's decision, not Cẩm Lương's.
        with self.assertRaises(PermissionDenied):
            conflict_resolve(
                user=self.cam_luong_officer, conflict_id=conflict.pk, resolution=Resolution.CLAIMANT_KEEPS
            )
        # The holder here is the head of his household: moved only after the head changes.
        with self.assertRaisesMessage(ValidationError, "đổi chủ hộ"):
            conflict_resolve(user=self.officer, conflict_id=conflict.pk, resolution=Resolution.CLAIMANT_KEEPS)
        Member.objects.filter(pk=self.holder.pk).update(relation="child")
        self.client.force_login(self.officer)
        response = self.client.post(
            reverse("households:id_queue"),
            {"conflict": conflict.pk, "resolution": Resolution.CLAIMANT_KEEPS},
            follow=True,
        )
        self.assertContains(response, "Đã giải quyết")
        moved = Member.objects.get(citizen_id=self.NUMBER)
        self.assertEqual(
            (moved.pk, moved.household, moved.relation), (self.holder.pk, claimant_household, "head")
        )
        self.assertEqual(claimant_household.members.count(), 1)  # the row typed later is gone
        self.assertEqual(moved.history.first().history_user, self.officer)
        conflict.refresh_from_db()
        self.assertEqual(
            (conflict.resolution, conflict.resolved_by), (Resolution.CLAIMANT_KEEPS, self.officer)
        )
        with self.assertRaisesMessage(ValidationError, "đã được giải quyết"):
            conflict_resolve(user=self.officer, conflict_id=conflict.pk, resolution=Resolution.HOLDER_KEEPS)

    def test_a_conflict_whose_two_rows_are_gone_closes_as_different_people(self):
        self._create_in_cam_luong()
        conflict = CitizenIdConflict.objects.get()
        Member.objects.filter(pk__in=[conflict.holder_id, conflict.claimant_id]).delete()
        with self.assertRaisesMessage(ValidationError, "Cả hai thành viên đã bị xóa"):
            conflict_resolve(user=self.officer, conflict_id=conflict.pk, resolution=Resolution.CLAIMANT_KEEPS)
        conflict_resolve(
            user=self.cam_luong_officer, conflict_id=conflict.pk, resolution=Resolution.DIFFERENT
        )
        self.assertEqual(CitizenIdConflict.objects.get().resolution, Resolution.DIFFERENT)

    def test_the_later_unit_withdraws_its_row(self):
        self._create_in_cam_luong()
        conflict = CitizenIdConflict.objects.get()
        conflict_resolve(
            user=self.cam_luong_officer, conflict_id=conflict.pk, resolution=Resolution.HOLDER_KEEPS
        )
        self.assertFalse(Member.objects.filter(pk=conflict.claimant_id).exists())
        self.assertEqual(Member.objects.get(citizen_id=self.NUMBER), self.holder)

    def test_an_import_with_a_number_of_another_commune_names_its_row_and_column(self):
        members = [
            {"code": "15139-90001", "full_name": "Hoàng Văn Nam", "sex": "Nam", "birth_year": 1985,
             "relation": "Chủ hộ", "citizen_id": self.NUMBER},
            {"code": "15139-90001", "full_name": "Lò Thị Hoa", "sex": "Nữ", "birth_year": 1987,
             "relation": "Vợ/chồng", "citizen_id": "006087001235"},
        ]  # fmt: skip
        content = workbook_bytes([household_row("15139-90001", commune="15139")], members)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "ds.xlsx"
            path.write_bytes(content)
            result = household_import(
                user=self.cam_luong_officer, unit=self.cam_luong, year=2023, path=path, name="ds.xlsx",
                dry_run=False,
            )  # fmt: skip
        problems = [(p.sheet, p.row, p.column, p.message) for p in result.problems]
        self.assertEqual(len(problems), 2, problems)  # the number held elsewhere; the wrong sex digit
        held, wrong_sex = sorted(problems, key=lambda p: p[1])
        self.assertEqual(held[1], 2)
        self.assertIn("Số định danh", held[2])
        self.assertIn("đã có trong sổ: thành viên của một hộ khác ở Phường Sông Cầu", held[3])
        self.assertIn("giới tính nam", wrong_sex[3])
        self.assertFalse(result.committed)
        self.assertFalse(Household.objects.filter(code="15139-90001").exists())
