"""A frozen copy of povertyprog/workdays/seeds.py as the migrations that load it knew it: a migration never imports
application code, which changes after it (tests/test_migrations_frozen.py: the copy and the
live loader still seed the same rows)."""

OFF, WORKED = "off", "worked"

DAYS = [
    ("2025-01-01", OFF, "Tết Dương lịch"),
    *[(f"2025-01-{d}", OFF, "Tết Nguyên đán Ất Tỵ") for d in (27, 28, 29, 30, 31)],
    ("2025-04-07", OFF, "Giỗ Tổ Hùng Vương (10/3 âm lịch)"),
    ("2025-04-30", OFF, "Ngày Chiến thắng 30/4"),
    ("2025-05-01", OFF, "Ngày Quốc tế Lao động"),
    ("2025-05-02", OFF, "Nghỉ hoán đổi (làm bù thứ Bảy 26/4/2025)"),
    ("2025-04-26", WORKED, "Làm bù cho ngày 02/5/2025"),
    ("2025-09-01", OFF, "Quốc khánh"),
    ("2025-09-02", OFF, "Quốc khánh"),
    ("2026-01-01", OFF, "Tết Dương lịch"),
    *[(f"2026-02-{d}", OFF, "Tết Nguyên đán Bính Ngọ") for d in (16, 17, 18, 19, 20)],
    ("2026-04-27", OFF, "Nghỉ bù Giỗ Tổ Hùng Vương (10/3 âm lịch là Chủ nhật 26/4/2026)"),
    ("2026-04-30", OFF, "Ngày Chiến thắng 30/4"),
    ("2026-05-01", OFF, "Ngày Quốc tế Lao động"),
    ("2026-09-01", OFF, "Quốc khánh"),
    ("2026-09-02", OFF, "Quốc khánh"),
]


def special_days_load(model) -> None:
    for day, kind, name in DAYS:
        model.objects.get_or_create(day=day, defaults={"kind": kind, "name": name})
