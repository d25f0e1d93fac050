from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Count

from povertyprog.units.loading import units_load_all
from povertyprog.units.models import AdministrativeUnit, Area, DivisionType, Level
from tests.base import THREE_TIER, TWO_TIER, BaseTestCase, unit

# Appendix of seed 002 (Bắc Kạn city plan 2024), "P." written out.
SEED_002_UNITS = {
    "Phường Sông Cầu",
    "Phường Xuất Hóa",
    "Phường Đức Xuân",
    "Phường Nguyễn Thị Minh Khai",
    "Phường Phùng Chí Kiên",
    "Phường Huyền Tụng",
    "Xã Nông Thượng",
    "Xã Dương Quang",
}


def level_counts(day: date) -> dict[int, int]:
    rows = AdministrativeUnit.objects.valid_on(day).values("level").annotate(n=Count("id"))
    return {row["level"]: row["n"] for row in rows}


class UnitTreeTestCase(BaseTestCase):
    def test_it_has_the_three_tier_tree_until_30_june_2025(self):
        expected = {Level.PROVINCE: 63, Level.DISTRICT: 696, Level.COMMUNE: 10051}
        self.assertEqual(level_counts(date(2024, 12, 31)), expected)
        self.assertEqual(level_counts(date(2025, 6, 30)), expected)

    def test_it_has_the_two_tier_tree_from_1_july_2025(self):
        expected = {Level.PROVINCE: 34, Level.COMMUNE: 3321}
        self.assertEqual(level_counts(date(2025, 7, 1)), expected)
        self.assertEqual(level_counts(date(2026, 11, 25)), expected)

    def test_it_keeps_codes_unique_per_tree(self):
        for tree in (THREE_TIER, TWO_TIER):
            duplicates = (
                AdministrativeUnit.objects.filter(valid_from=tree)
                .values("code")
                .annotate(n=Count("id"))
                .filter(n__gt=1)
            )
            self.assertFalse(duplicates.exists())
        with self.assertRaises(IntegrityError), transaction.atomic():
            AdministrativeUnit.objects.create(
                code="01837",
                name="Phường Trùng Mã",
                division_type=DivisionType.WARD,
                parent=self.backan_city,
                valid_from=THREE_TIER,
            )

    def test_the_same_code_may_name_different_units_in_different_trees(self):
        self.assertEqual(unit("01843", THREE_TIER).name, "Phường Phùng Chí Kiên")
        self.assertEqual(unit("01843", TWO_TIER).name, "Phường Bắc Kạn")

    def test_backan_city_has_the_eight_units_of_seed_002(self):
        names = set(self.backan_city.children.values_list("name", flat=True))
        self.assertEqual(names, SEED_002_UNITS)
        self.assertEqual(self.backan_city.parent.name, "Tỉnh Bắc Kạn")
        self.assertEqual(self.backan_city.division_type, DivisionType.PROVINCIAL_CITY)

    def test_cam_luong_sits_in_cam_thuy_thanh_hoa(self):
        names = [u.name for u in self.cam_luong.ancestors()]
        self.assertEqual(names, ["Tỉnh Thanh Hóa", "Huyện Cẩm Thủy", "Xã Cẩm Lương"])

    def test_a_commune_sits_directly_under_a_province_since_july_2025(self):
        ward = unit("01843", TWO_TIER)
        self.assertEqual(ward.parent.level, Level.PROVINCE)
        self.assertEqual([u.name for u in ward.ancestors()], ["Tỉnh Thái Nguyên", "Phường Bắc Kạn"])

    def test_subtree_follows_the_tree(self):
        self.assertEqual(AdministrativeUnit.objects.subtree_of(self.backan_city).count(), 9)
        self.assertEqual(AdministrativeUnit.objects.subtree_of(unit("19", TWO_TIER)).count(), 93)


class AreaTestCase(BaseTestCase):
    def test_wards_and_townships_are_urban(self):
        self.assertEqual(self.song_cau.area, Area.URBAN)
        township = AdministrativeUnit.objects.filter(division_type=DivisionType.TOWNSHIP).first()
        self.assertEqual(township.area, Area.URBAN)

    def test_communes_are_rural(self):
        self.assertEqual(self.duong_quang.area, Area.RURAL)
        self.assertEqual(self.cam_luong.area, Area.RURAL)

    def test_special_zones_are_rural_unless_overridden(self):
        zones = AdministrativeUnit.objects.filter(division_type=DivisionType.SPECIAL_ZONE)
        self.assertEqual(zones.count(), 13)
        zone = zones.get(name="Đặc khu Phú Quốc")
        self.assertEqual(zone.area, Area.RURAL)
        zone.area_override = Area.URBAN
        self.assertEqual(zone.area, Area.URBAN)

    def test_units_above_communes_have_no_area(self):
        self.assertIsNone(self.backan_city.area)


class LoadingTestCase(BaseTestCase):
    def test_loading_twice_changes_nothing(self):
        before = AdministrativeUnit.objects.count()
        results = units_load_all()
        self.assertEqual([(r.created, r.updated) for r in results], [(0, 0), (0, 0)])
        self.assertEqual(sum(r.unchanged for r in results), before)
        self.assertEqual(AdministrativeUnit.objects.count(), before)

    def test_loading_repairs_an_edited_unit(self):
        AdministrativeUnit.objects.filter(pk=self.song_cau.pk).update(name="Sai tên")
        results = units_load_all()
        self.assertEqual(results[0].updated, 1)
        self.song_cau.refresh_from_db()
        self.assertEqual(self.song_cau.name, "Phường Sông Cầu")


class SearchTestCase(BaseTestCase):
    def test_search_ignores_diacritics_and_case(self):
        for query in ("cam luong", "CẨM LƯƠNG", "Cam Lương"):
            names = set(AdministrativeUnit.objects.search(query).values_list("name", flat=True))
            self.assertIn("Xã Cẩm Lương", names, query)

    def test_search_treats_d_bar_as_d(self):
        names = set(AdministrativeUnit.objects.search("duc xuan").values_list("name", flat=True))
        self.assertIn("Phường Đức Xuân", names)
