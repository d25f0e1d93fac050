"""Demo users for Bắc Kạn city (seed 002) and Cẩm Lương commune (seed 001).

Only for the demo site and tests: `manage.py load_demo`. All share DEMO_PASSWORD.
"""

from datetime import date

from django.db import transaction

from povertyprog.accounts.models import Role, User
from povertyprog.units.models import AdministrativeUnit

DEMO_PASSWORD = "GiamNgheo@2024"
THREE_TIER = date(2021, 1, 1)
TWO_TIER = date(2025, 7, 1)

# username, full name, role, unit code, tree
DEMO_USERS = [
    ("tinh.backan", "Cán bộ Sở LĐ-TB&XH Bắc Kạn", Role.PROVINCE_STAFF, "06", THREE_TIER),
    ("tp.backan", "Cán bộ Phòng LĐ-TB&XH TP Bắc Kạn", Role.DISTRICT_STAFF, "058", THREE_TIER),
    ("xem.backan", "Người xem TP Bắc Kạn", Role.VIEWER, "058", THREE_TIER),
    ("huyen.chomoi", "Cán bộ Phòng LĐ-TB&XH Chợ Mới", Role.DISTRICT_STAFF, "065", THREE_TIER),
    ("tt.dongtam", "Cán bộ TT Đồng Tâm", Role.COMMUNE_OFFICER, "02086", THREE_TIER),
    ("xa.thanhmai", "Cán bộ xã Thanh Mai", Role.COMMUNE_OFFICER, "02101", THREE_TIER),
    (
        "phuong.nguyenthiminhkhai",
        "Cán bộ P. Nguyễn Thị Minh Khai",
        Role.COMMUNE_OFFICER,
        "01834",
        THREE_TIER,
    ),
    ("phuong.songcau", "Cán bộ P. Sông Cầu", Role.COMMUNE_OFFICER, "01837", THREE_TIER),
    ("phuong.ducxuan", "Cán bộ P. Đức Xuân", Role.COMMUNE_OFFICER, "01840", THREE_TIER),
    ("phuong.phungchikien", "Cán bộ P. Phùng Chí Kiên", Role.COMMUNE_OFFICER, "01843", THREE_TIER),
    ("phuong.huyentung", "Cán bộ P. Huyền Tụng", Role.COMMUNE_OFFICER, "01846", THREE_TIER),
    ("xa.duongquang", "Cán bộ xã Dương Quang", Role.COMMUNE_OFFICER, "01849", THREE_TIER),
    ("xa.nongthuong", "Cán bộ xã Nông Thượng", Role.COMMUNE_OFFICER, "01852", THREE_TIER),
    ("phuong.xuathoa", "Cán bộ P. Xuất Hóa", Role.COMMUNE_OFFICER, "01855", THREE_TIER),
    ("tinh.thanhhoa", "Cán bộ Sở LĐ-TB&XH Thanh Hóa", Role.PROVINCE_STAFF, "38", THREE_TIER),
    ("huyen.camthuy", "Cán bộ Phòng LĐ-TB&XH Cẩm Thủy", Role.DISTRICT_STAFF, "390", THREE_TIER),
    ("xa.camluong", "Cán bộ xã Cẩm Lương", Role.COMMUNE_OFFICER, "15139", THREE_TIER),
    ("tinh.thainguyen", "Cán bộ Sở NN&MT Thái Nguyên", Role.PROVINCE_STAFF, "19", TWO_TIER),
    ("phuong.backan", "Cán bộ P. Bắc Kạn (từ 01/7/2025)", Role.COMMUNE_OFFICER, "01843", TWO_TIER),
    ("phuong.ducxuan.moi", "Cán bộ P. Đức Xuân (từ 01/7/2025)", Role.COMMUNE_OFFICER, "01840", TWO_TIER),
    ("xa.phongquang", "Cán bộ xã Phong Quang (từ 01/7/2025)", Role.COMMUNE_OFFICER, "01849", TWO_TIER),
    ("xa.chomoi", "Cán bộ xã Chợ Mới (từ 01/7/2025)", Role.COMMUNE_OFFICER, "02086", TWO_TIER),
    ("xa.thanhmai.moi", "Cán bộ xã Thanh Mai (từ 01/7/2025)", Role.COMMUNE_OFFICER, "02101", TWO_TIER),
]


@transaction.atomic
def demo_users_load() -> int:
    """Create or refresh the demo users; returns how many there are."""
    codes = {(code, tree) for *_, code, tree in DEMO_USERS}
    units = {
        (u.code, u.valid_from): u for u in AdministrativeUnit.objects.filter(code__in={c for c, _ in codes})
    }
    for username, full_name, role, code, tree in DEMO_USERS:
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={"full_name": full_name, "role": role, "unit": units[(code, tree)]},
        )
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    admin, _ = User.objects.update_or_create(
        username="admin", defaults={"full_name": "Quản trị hệ thống", "role": Role.ADMIN}
    )
    admin.set_password(DEMO_PASSWORD)
    admin.save()
    return len(DEMO_USERS) + 1
