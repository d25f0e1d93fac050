"""Issue 15: the 2025 arrangement as dated data (old -> new communes, resolutions), and carrying
the registry into the new communes with its history whole and its figures conserved."""

import csv
import io
import json
import threading
from collections import Counter, defaultdict
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count
from django.test import TransactionTestCase

from households.carrying import carry_plan, registry_carry, village_placements_save
from households.models import Household, HouseholdReview, VillagePlacement
from households.rollups import rollups_rebuild
from households.selectors import registry_stats
from povertyprog.accounts.models import Role
from povertyprog.units.models import AdministrativeUnit, ArrangementResolution, UnitSuccession
from reports.models import State, Submission
from tests.base import THREE_TIER, TWO_TIER, BaseTestCase, make_user, unit
from tests.factory import make_household, make_review, period_2024

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "units"
POOR = {"income": 1_000_000, "deprived": ("d_water", "d_latrine", "d_telecom")}
NEAR_POOR = {"income": 1_000_000}
ABOVE = {"income": 9_000_000}


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


class ArrangementDataTests(BaseTestCase):
    def test_every_old_commune_goes_to_one_new_province_and_every_new_commune_has_a_source(self):
        successors = defaultdict(set)
        for old_id, province_id in UnitSuccession.objects.values_list("old_id", "new__parent_id"):
            successors[old_id].add(province_id)
        self.assertGreater(len(successors), 10_000)
        self.assertEqual([old for old, provinces in successors.items() if len(provinces) > 1], [])
        # The communes without a row are exactly those the generator listed (and explained).
        with (FIXTURES / "succession-gaps.csv").open(encoding="utf-8") as handle:
            gaps = {(row["tree"], row["code"]) for row in csv.DictReader(handle)}
        old_communes = AdministrativeUnit.objects.filter(valid_from=THREE_TIER, level=3)
        new_communes = AdministrativeUnit.objects.filter(valid_from=TWO_TIER, level=3)
        found = {
            ("2021-01-01", c) for c in old_communes.filter(successions=None).values_list("code", flat=True)
        }
        found |= {("2025-07-01", c) for c in new_communes.filter(sources=None).values_list("code", flat=True)}
        self.assertEqual(found, gaps)
        self.assertLess(len(gaps), 60)
        self.assertEqual(ArrangementResolution.objects.count(), 34)
        per_province = Counter(
            UnitSuccession.objects.values_list("new__parent__name", flat=True)
        )  # the closing note's count per province
        self.assertEqual(len(per_province), 34)

    def test_map_units_names_the_new_ward_and_the_resolution_both_ways(self):
        text = run("map_units", "--old", "01837")
        self.assertIn("→ 01843 Phường Bắc Kạn (Tỉnh Thái Nguyên)", text)
        self.assertIn("Nghị quyết số 1683/NQ-UBTVQH15 ngày 16/06/2025", text)
        data = json.loads(run("map_units", "--new", "01843", "--json"))
        self.assertEqual(
            [o["name"] for o in data["old"]],
            ["Phường Sông Cầu", "Phường Phùng Chí Kiên", "Xã Nông Thượng", "Phường Xuất Hóa"],
        )
        self.assertEqual(data["new"]["province"]["name"], "Tỉnh Thái Nguyên")
        with self.assertRaisesMessage(CommandError, "Không có xã mã 99999"):
            run("map_units", "--old", "99999")


class CarryTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.thai_nguyen = unit("19", TWO_TIER)
        cls.bac_kan_ward = unit("01843", TWO_TIER)  # Sông Cầu, Phùng Chí Kiên, Nông Thượng, Xuất Hóa
        cls.phong_quang = unit("01849", TWO_TIER)  # Dương Quang
        cls.new_province_staff = make_user("tinhthainguyen", Role.PROVINCE_STAFF, "19", TWO_TIER)

    def _registry(self):
        """Sông Cầu and Dương Quang with 2023 and 2024 reviews, classes changing."""
        for commune, classes in (
            (self.song_cau, [(POOR, NEAR_POOR), (POOR, POOR), (NEAR_POOR, ABOVE), (ABOVE, ABOVE)]),
            (self.duong_quang, [(POOR, ABOVE), (NEAR_POOR, NEAR_POOR), (ABOVE, POOR)]),
        ):
            for first, second in classes:
                household = make_household(commune)
                make_review(household, 2023, **first)
                make_review(household, 2024, **second)

    def _totals(self, unit, year):
        h = registry_stats(unit, year)["households"]
        return h["total"], h["poor"], h["near_poor"]

    def test_carrying_moves_households_keeps_history_and_conserves_every_year(self):
        self._registry()
        before = {
            y: (self._totals(self.song_cau, y), self._totals(self.duong_quang, y)) for y in (2023, 2024)
        }
        plan = carry_plan(self.thai_nguyen)
        self.assertEqual(
            [(line.old.code, line.new.code, line.households) for line in plan.lines],
            [("01837", "01843", 4), ("01849", "01849", 3)],
        )
        self.assertEqual(Household.objects.filter(commune__valid_from=TWO_TIER).count(), 0)  # a preview
        registry_carry(user=self.new_province_staff, scope=self.thai_nguyen)
        self.assertEqual(Household.objects.filter(commune=self.bac_kan_ward).count(), 4)
        # Reviews say where they were recorded; the old units' figures are as they were.
        self.assertEqual(HouseholdReview.objects.filter(commune=self.song_cau).count(), 8)
        for year, (song_cau, duong_quang) in before.items():
            self.assertEqual(self._totals(self.song_cau, year), song_cau)
            self.assertEqual(self._totals(self.duong_quang, year), duong_quang)
            # The new units: the same households re-aggregated; the province sums both.
            self.assertEqual(self._totals(self.bac_kan_ward, year), song_cau)
            self.assertEqual(self._totals(self.phong_quang, year), duong_quang)
            summed = tuple(a + b for a, b in zip(song_cau, duong_quang, strict=True))
            self.assertEqual(self._totals(self.thai_nguyen, year), summed)
            self.assertEqual(self._totals(unit("06"), year), summed)  # old Bắc Kạn province
        # The change tables of the new ward are those of the old commune: start 2, one escaped, end 1.
        changes = registry_stats(self.bac_kan_ward, 2024)["changes"]
        self.assertEqual(changes, registry_stats(self.song_cau, 2024)["changes"])
        self.assertEqual(
            (changes["poor"]["households"]["start"], changes["poor"]["households"]["end"]), (2, 1)
        )
        # Audit: one row per household, who and which resolution; the maintained rollups equal a rebuild.
        household = Household.objects.filter(commune=self.bac_kan_ward).first()
        last = household.history.order_by("-history_date", "-history_id").first()
        self.assertEqual(
            (last.commune_id, last.history_user_id), (self.bac_kan_ward.pk, self.new_province_staff.pk)
        )
        self.assertIn("1683/NQ-UBTVQH15", last.history_change_reason)
        self.assertEqual(
            (household.history.count(), household.version), (2, 2)
        )  # a form opened before: stale
        # The audit row written by the database equals the one django-simple-history writes on save().
        twin = Household.objects.get(pk=household.pk)
        twin.commune, twin.version = self.song_cau, twin.version + 1
        twin.save()
        saved = twin.history.order_by("-history_id").first()
        ignored = {
            "history_id",
            "history_date",
            "history_change_reason",
            "history_user",
            "history_type",
            "updated_at",
        }
        for model_field in Household.history.model._meta.concrete_fields:
            if model_field.name in ignored:
                continue
            expected = getattr(last, model_field.attname)
            if model_field.name == "commune":
                expected = self.song_cau.pk
            elif model_field.name == "version":
                expected += 1
            self.assertEqual(getattr(saved, model_field.attname), expected, model_field.name)
        # The move stands in the household's history as its officers read it.
        from households.changes import household_changes

        moved = [c for c in household_changes(household) if "1683" in c.source]
        self.assertEqual(moved[0].fields, [("xã, phường", "Phường Sông Cầu", "Phường Bắc Kạn")])
        Household.objects.filter(pk=household.pk).update(
            commune=self.bac_kan_ward, carried_into=self.bac_kan_ward
        )
        maintained = {y: self._totals(self.thai_nguyen, y) for y in (2023, 2024)}
        rollups_rebuild()
        self.assertEqual({y: self._totals(self.thai_nguyen, y) for y in (2023, 2024)}, maintained)

    def test_an_approved_year_stays_and_years_before_the_move_are_not_written_in_the_new_commune(self):
        self._registry()
        period = period_2024()
        Submission.objects.create(unit=self.song_cau, period=period, state=State.APPROVED)
        approved = self._totals(self.song_cau, 2024)
        registry_carry(user=self.new_province_staff, scope=self.thai_nguyen)
        self.assertEqual(self._totals(self.song_cau, 2024), approved)
        # A year before the new ward existed is read in both trees and written in neither: not even
        # an unapproved one (Dương Quang 2023) through the new commune.
        household = Household.objects.filter(commune=self.phong_quang).order_by("pk").last()
        with self.assertRaisesMessage(ValidationError, "Năm 2023 có trước khi Xã Phong Quang được thành lập"):
            make_review(household, 2023, **POOR)
        self.assertEqual(self._totals(self.phong_quang, 2023), self._totals(self.duong_quang, 2023))
        make_review(household, 2025, **POOR)  # the 2025 review is the new commune's
        self.assertEqual(self._totals(self.phong_quang, 2025)[:2], (1, 1))

    def test_a_split_commune_is_refused_until_every_village_is_placed(self):
        old_id = (
            UnitSuccession.objects.values("old_id")
            .annotate(n=Count("new"))
            .filter(n=2)
            .values_list("old_id", flat=True)[0]
        )
        old = AdministrativeUnit.objects.get(pk=old_id)
        first, second = [s.new for s in UnitSuccession.objects.filter(old=old).order_by("new__code")]
        province = first.parent
        staff = make_user("tinhkhac", Role.PROVINCE_STAFF, province.code, TWO_TIER)
        for village in ("Thôn 1", "Thôn 1", "Thôn 2"):
            make_household(old, village=village)
        plan = carry_plan(province)
        self.assertEqual(
            sorted(
                (w.village, w.households, [c.pk for c in w.choices]) for w in plan.waiting if w.old == old
            ),
            [("Thôn 1", 2, [first.pk, second.pk]), ("Thôn 2", 1, [first.pk, second.pk])],
        )
        village_placements_save(user=staff, choices=[(old.pk, first.pk, "Thôn 1")])
        with self.assertRaisesMessage(ValidationError, "Thôn 2 (1 hộ)"):
            registry_carry(user=staff, scope=province)
        self.assertEqual(Household.objects.filter(commune=old).count(), 3)  # nothing moved
        with self.assertRaisesMessage(ValidationError, "không thuộc các xã"):
            village_placements_save(user=staff, choices=[(old.pk, self.bac_kan_ward.pk, "Thôn 2")])
        # The officer of the first new commune places villages into it only, and cannot take back
        # one placed elsewhere; all or nothing.
        officer = make_user("xamoi", Role.COMMUNE_OFFICER, first.code, TWO_TIER)
        with self.assertRaises(PermissionDenied):
            village_placements_save(
                user=officer, choices=[(old.pk, first.pk, "Thôn 3"), (old.pk, second.pk, "Thôn 2")]
            )
        self.assertFalse(VillagePlacement.objects.filter(village="Thôn 3").exists())
        village_placements_save(user=staff, choices=[(old.pk, second.pk, "Thôn 2")])
        with self.assertRaises(PermissionDenied):
            village_placements_save(user=officer, choices=[(old.pk, first.pk, "Thôn 2")])
        registry_carry(user=staff, scope=province)
        self.assertEqual(Household.objects.filter(commune=first).count(), 2)
        self.assertEqual(Household.objects.filter(commune=second).count(), 1)

    def test_carry_registry_command_previews_then_carries(self):
        self._registry()
        text = run("carry_registry", "--province", "19", "--dry-run")
        self.assertIn("01837 Phường Sông Cầu → 01843 Phường Bắc Kạn: 4 hộ", text)
        self.assertIn("Sẽ chuyển households=7 waiting=0", text)
        self.assertEqual(Household.objects.filter(commune=self.song_cau).count(), 4)
        with self.assertRaisesMessage(CommandError, "--user"):
            run("carry_registry", "--province", "19")
        data = json.loads(run("carry_registry", "--province", "19", "--user", "tinhthainguyen", "--json"))
        self.assertEqual((data["carried"], data["households"]), (True, 7))
        self.assertEqual(Household.objects.filter(commune=self.song_cau).count(), 0)
        with self.assertRaisesMessage(CommandError, "Chỉ cán bộ cấp tỉnh"):
            run("carry_registry", "--province", "19", "--user", "songcau")


class CarryPageTests(BaseTestCase):
    def test_the_province_of_today_places_villages_and_carries_once(self):
        old_id = (
            UnitSuccession.objects.filter(new__parent__code="01", new__valid_from=TWO_TIER)
            .values("old_id").annotate(n=Count("new")).filter(n=2).values_list("old_id", flat=True)[0]
        )  # fmt: skip
        old = AdministrativeUnit.objects.get(pk=old_id)
        first = UnitSuccession.objects.filter(old=old).order_by("new__code").first().new
        staff = make_user("hanoi", Role.PROVINCE_STAFF, "01", TWO_TIER)
        make_household(old, village="Tổ 7")
        self.client.force_login(staff)
        page = self.client.get("/ho-gia-dinh/chuyen-don-vi-moi/")
        self.assertContains(page, "Thôn, tổ dân phố chưa được phân (1 hộ)")
        self.assertContains(page, "disabled")
        refused = self.client.post("/ho-gia-dinh/chuyen-don-vi-moi/", {"action": "carry"}, follow=True)
        self.assertContains(refused, "Chưa chuyển: 1 hộ")
        self.client.post("/ho-gia-dinh/chuyen-don-vi-moi/", {"place": f"{old.pk}|{first.pk}|Tổ 7"})
        done = self.client.post("/ho-gia-dinh/chuyen-don-vi-moi/", {"action": "carry"}, follow=True)
        self.assertContains(done, "Đã chuyển 1 hộ sang các xã mới.")
        again = self.client.post("/ho-gia-dinh/chuyen-don-vi-moi/", {"action": "carry"}, follow=True)
        self.assertContains(again, "Không còn hộ nào cần chuyển.")
        self.assertEqual(Household.objects.get().commune, first)
        # An officer of the old tree has no such page.
        self.client.force_login(self.officer)
        self.assertEqual(self.client.get("/ho-gia-dinh/chuyen-don-vi-moi/").status_code, 403)


class YearsBeforeTheMoveTests(BaseTestCase):
    def test_an_import_of_2024_into_a_commune_of_the_new_tree_is_refused_with_its_reason(self):
        import tempfile

        from households.importing import household_import
        from povertyprog.lib.spreadsheets import RefusedFile
        from tests.test_import import household_row, workbook_bytes

        ward = unit("01843", TWO_TIER)
        officer = make_user("phuongbackan", Role.COMMUNE_OFFICER, "01843", TWO_TIER)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "ds.xlsx"
            path.write_bytes(
                workbook_bytes([household_row("BK-1", commune="01843", review_date="15/11/2025")])
            )
            with self.assertRaisesMessage(RefusedFile, "Năm 2024 có trước khi Phường Bắc Kạn được thành lập"):
                household_import(user=officer, unit=ward, year=2024, path=path, name="ds.xlsx")
            result = household_import(
                user=officer, unit=ward, year=2025, path=path, name="ds.xlsx", dry_run=False
            )
        self.assertEqual(result.problems, [])
        self.assertEqual((result.created, Household.objects.get().commune), (1, ward))


class ConcurrentCarryTests(TransactionTestCase):
    """Two confirmations of the same carry at once (a double submit, two officers): every household
    moves once, with one audit row (PostgreSQL)."""

    def setUp(self):
        from households.standards import standards_load
        from povertyprog.units.loading import units_load_all

        units_load_all()
        standards_load()

    def test_two_carries_at_once_move_each_household_once(self):
        if connection.vendor != "postgresql":
            self.skipTest("row locks are PostgreSQL's; SQLite serialises writers anyway")
        staff = make_user("tinhthainguyen", Role.PROVINCE_STAFF, "19", TWO_TIER)
        for _ in range(20):
            make_household(unit("01837"))
        province, errors = unit("19", TWO_TIER), []

        def carry():
            try:
                registry_carry(user=staff, scope=province)
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=carry) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(errors, [])
        self.assertEqual(Household.objects.filter(commune=unit("01843", TWO_TIER)).count(), 20)
        self.assertEqual(Household.history.filter(history_type="~").count(), 20)
