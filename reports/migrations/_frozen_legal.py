"""A frozen copy of reports/legal.py as the migrations that load it knew it: a migration never imports
application code, which changes after it (tests/test_migrations_frozen.py: the copy and the
live loader still seed the same rows)."""

BASES = [
    # (text, first year, last year, position)
    (
        "Luật Tổ chức chính quyền địa phương ngày 19/6/2015; Luật sửa đổi, bổ sung một số điều của Luật "
        "Tổ chức Chính phủ và Luật Tổ chức chính quyền địa phương ngày 22/11/2019",
        2021, 2024, 10,
    ),
    ("Luật Tổ chức chính quyền địa phương số 72/2025/QH15 ngày 16/6/2025", 2025, 2035, 10),
    (
        "Quyết định số 90/QĐ-TTg ngày 18/01/2022 của Thủ tướng Chính phủ phê duyệt Chương trình mục tiêu "
        "quốc gia giảm nghèo bền vững giai đoạn 2021 - 2025",
        2021, 2025, 20,
    ),
    (
        "Nghị quyết số 257/2025/QH15 ngày 11/12/2025 của Quốc hội phê duyệt chủ trương đầu tư Chương trình "
        "mục tiêu quốc gia xây dựng nông thôn mới, giảm nghèo bền vững và phát triển kinh tế - xã hội vùng "
        "đồng bào dân tộc thiểu số và miền núi giai đoạn 2026 - 2035",
        2026, 2035, 20,
    ),
    (
        "Nghị định số 358/2025/NĐ-CP ngày 31/12/2025 của Chính phủ quy định cơ chế quản lý, tổ chức thực "
        "hiện các chương trình mục tiêu quốc gia",
        2026, 2035, 30,
    ),
    (
        "Nghị định số 07/2021/NĐ-CP ngày 27/01/2021 của Chính phủ quy định chuẩn nghèo đa chiều giai đoạn "
        "2021 - 2025",
        2021, 2025, 40,
    ),
    (
        "Nghị định số 351/2025/NĐ-CP ngày 30/12/2025 của Chính phủ quy định chuẩn nghèo đa chiều quốc gia "
        "giai đoạn 2026 - 2030",
        2026, 2030, 40,
    ),
]  # fmt: skip


# The bases of the commune chair's decision recognising the lists (Mẫu số 02): marked with its
# kind, they are the only ones it cites (reports.models.OWN_BASES_ONLY; docs/decisions.md D49).
RECOGNITION_BASES = [
    ("Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015", 2021, 2024, 1),
    ("Luật Tổ chức chính quyền địa phương số 72/2025/QH15 ngày 16 tháng 6 năm 2025", 2025, 2035, 1),
    (
        "Nghị định số 07/2021/NĐ-CP ngày 27 tháng 01 năm 2021 của Chính phủ quy định chuẩn nghèo đa chiều "
        "giai đoạn 2021 - 2025",
        2021, 2025, 2,
    ),
    (
        "Nghị định số 351/2025/NĐ-CP ngày 30 tháng 12 năm 2025 của Chính phủ quy định chuẩn nghèo đa chiều "
        "quốc gia giai đoạn 2026 - 2030",
        2026, 2030, 2,
    ),
    (
        "Quyết định số 24/2021/QĐ-TTg ngày 16 tháng 7 năm 2021 của Thủ tướng Chính phủ quy định quy trình "
        "rà soát hộ nghèo, hộ cận nghèo hằng năm và quy trình xác định hộ làm nông nghiệp, lâm nghiệp, ngư "
        "nghiệp và diêm nghiệp có mức sống trung bình giai đoạn 2022 - 2025",
        2021, 2026, 3,
    ),
    (
        "Thông tư số 07/2021/TT-BLĐTBXH ngày 18 tháng 7 năm 2021 của Bộ trưởng Bộ Lao động - Thương binh "
        "và Xã hội hướng dẫn phương pháp rà soát, phân loại hộ nghèo, hộ cận nghèo; xác định thu nhập của "
        "hộ làm nông nghiệp, lâm nghiệp, ngư nghiệp, diêm nghiệp có mức sống trung bình giai đoạn "
        "2022-2025 và mẫu biểu báo cáo",
        2021, 2026, 4,
    ),
]  # fmt: skip


# The ministry in charge of poverty reduction (NĐ 35/2025/NĐ-CP moved the task in 2025).
OFFICES = [
    ("ministry", "Bộ Lao động - Thương binh và Xã hội", 2021, 2024),
    ("ministry", "Bộ Nông nghiệp và Môi trường", 2025, 2035),
]


def offices_load(model) -> None:
    """Create the seeded office names that are missing; never overwrites an administrator's edits."""
    for role, name, first, last in OFFICES:
        model.objects.get_or_create(role=role, name=name, defaults={"first_year": first, "last_year": last})


def legal_bases_load(model) -> None:
    """Create the seeded bases that are missing (by text); never overwrites an administrator's edits."""
    for text, first, last, position in BASES:
        model.objects.get_or_create(
            text=text, defaults={"first_year": first, "last_year": last, "position": position}
        )
    for text, first, last, position in RECOGNITION_BASES:
        model.objects.get_or_create(
            text=text,
            kinds="recognition",
            defaults={"first_year": first, "last_year": last, "position": position},
        )
