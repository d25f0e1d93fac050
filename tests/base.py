"""Shared personas, as in healthchecks' BaseTestCase.

Bắc Kạn city (district 058 of the three-tier tree) with Phường Sông Cầu and Xã Dương Quang;
Cẩm Lương commune (Cẩm Thủy, Thanh Hóa) as the foreign unit nobody from Bắc Kạn may see.
"""

from datetime import date

from django.test import TestCase

from povertyprog.accounts.models import Role, User
from povertyprog.units.models import AdministrativeUnit

THREE_TIER = date(2021, 1, 1)
TWO_TIER = date(2025, 7, 1)


def unit(code: str, tree: date = THREE_TIER) -> AdministrativeUnit:
    return AdministrativeUnit.objects.get(code=code, valid_from=tree)


def make_user(username: str, role: str, unit_code: str | None, tree: date = THREE_TIER) -> User:
    return User.objects.create_user(
        username=username,
        password="Mat-khau-thu-nghiem-1",
        role=role,
        unit=unit(unit_code, tree) if unit_code else None,
    )


class BaseTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.backan_city = unit("058")
        cls.song_cau = unit("01837")
        cls.duong_quang = unit("01849")
        cls.cam_luong = unit("15139")
        cls.officer = make_user("songcau", Role.COMMUNE_OFFICER, "01837")  # Alice
        cls.district = make_user("backan", Role.DISTRICT_STAFF, "058")  # Bob
        cls.province = make_user("tinhbackan", Role.PROVINCE_STAFF, "06")
        cls.viewer = make_user("xem", Role.VIEWER, "058")
        cls.outsider = make_user("camluong", Role.COMMUNE_OFFICER, "15139")  # Charlie
        cls.admin = make_user("quantri", Role.ADMIN, None)
