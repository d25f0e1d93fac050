"""The program catalogue as seeded (reference data; a system administrator edits it afterwards).

2021-2025: Quyết định số 90/QĐ-TTg ngày 18/01/2022, seven projects. Projects 1 and 5 (and
sub-project 2 of project 4) apply only to poor districts and ĐBKK coastal and island communes
(docs/decisions.md). 2026-2035: the merged program is seeded without components; its
structure is entered in the admin when the guidance is final.
"""

RECURRENT = ["su_nghiep"]
BOTH = ["dtpt", "su_nghiep"]

PROGRAMS = [
    {
        "code": "MTQG-GNBV-2021-2025",
        "name": "Chương trình mục tiêu quốc gia giảm nghèo bền vững giai đoạn 2021 - 2025",
        "legal_basis": "Quyết định số 90/QĐ-TTg ngày 18/01/2022 của Thủ tướng Chính phủ",
        "first_year": 2021,
        "last_year": 2025,
        "projects": [
            (1, "Hỗ trợ đầu tư phát triển hạ tầng kinh tế - xã hội các huyện nghèo, các xã đặc biệt "
                "khó khăn vùng bãi ngang, ven biển và hải đảo", "poor_areas", BOTH, [
                (1, "Hỗ trợ đầu tư phát triển hạ tầng kinh tế - xã hội các huyện nghèo", "poor_areas", BOTH),
                (2, "Hỗ trợ đầu tư phát triển hạ tầng kinh tế - xã hội các xã đặc biệt khó khăn vùng bãi "
                    "ngang, ven biển và hải đảo", "poor_areas", BOTH),
            ]),
            (2, "Đa dạng hóa sinh kế, phát triển mô hình giảm nghèo", "all", RECURRENT, []),
            (3, "Hỗ trợ phát triển sản xuất, cải thiện dinh dưỡng", "all", RECURRENT, [
                (1, "Hỗ trợ phát triển sản xuất trong lĩnh vực nông nghiệp", "all", RECURRENT),
                (2, "Cải thiện dinh dưỡng", "all", RECURRENT),
            ]),
            (4, "Phát triển giáo dục nghề nghiệp, việc làm bền vững", "all", BOTH, [
                (1, "Phát triển giáo dục nghề nghiệp vùng nghèo, vùng khó khăn", "all", BOTH),
                (2, "Hỗ trợ người lao động đi làm việc ở nước ngoài theo hợp đồng", "poor_areas", RECURRENT),
                (3, "Hỗ trợ việc làm bền vững", "all", RECURRENT),
            ]),
            (5, "Hỗ trợ nhà ở cho hộ nghèo, hộ cận nghèo trên địa bàn các huyện nghèo", "poor_areas",
             RECURRENT, []),
            (6, "Truyền thông và giảm nghèo về thông tin", "all", RECURRENT, [
                (1, "Giảm nghèo về thông tin", "all", RECURRENT),
                (2, "Truyền thông về giảm nghèo đa chiều", "all", RECURRENT),
            ]),
            (7, "Nâng cao năng lực và giám sát, đánh giá Chương trình", "all", RECURRENT, [
                (1, "Nâng cao năng lực thực hiện Chương trình", "all", RECURRENT),
                (2, "Giám sát, đánh giá thực hiện Chương trình", "all", RECURRENT),
            ]),
        ],
    },
    {
        "code": "MTQG-2026-2035",
        "name": "Chương trình mục tiêu quốc gia xây dựng nông thôn mới, giảm nghèo bền vững và phát "
        "triển kinh tế - xã hội vùng đồng bào dân tộc thiểu số và miền núi giai đoạn 2026 - 2035",
        "legal_basis": "Nghị quyết số 257/2025/QH15 ngày 11/12/2025 của Quốc hội; Quyết định số "
        "417/QĐ-BNNMT ngày 31/01/2026",
        "first_year": 2026,
        "last_year": 2035,
        "projects": [],
    },
]  # fmt: skip

# Count-type results per component (project number, sub-project number or None): name,
# measure, split by household group. Administrators add more in the admin.
OUTPUT_KINDS = [
    ((1, 1), "Công trình hạ tầng được đầu tư", "công trình", False),
    ((1, 2), "Công trình hạ tầng được đầu tư", "công trình", False),
    ((2, None), "Mô hình, dự án giảm nghèo", "mô hình", False),
    ((2, None), "Hộ tham gia mô hình, dự án", "hộ", True),
    ((3, 1), "Dự án hỗ trợ phát triển sản xuất", "dự án", False),
    ((3, 1), "Hộ tham gia dự án", "hộ", True),
    ((3, 2), "Trẻ em được cân đo, tư vấn dinh dưỡng", "trẻ", True),
    ((4, 1), "Lớp đào tạo nghề", "lớp", False),
    ((4, 1), "Học viên", "người", True),
    ((4, 2), "Người lao động đi làm việc ở nước ngoài", "người", True),
    ((4, 3), "Người được tư vấn, giới thiệu việc làm", "người", True),
    ((5, None), "Nhà ở được hỗ trợ xây mới, sửa chữa", "nhà", True),
    ((6, 1), "Lớp tập huấn cán bộ thông tin cơ sở", "lớp", False),
    ((6, 1), "Lượt cán bộ tham gia tập huấn", "người", False),
    ((6, 2), "Hoạt động truyền thông về giảm nghèo", "cuộc", False),
    ((6, 2), "Lượt người tham gia", "người", False),
    ((7, 1), "Lớp tập huấn nâng cao năng lực", "lớp", False),
    ((7, 1), "Lượt cán bộ tham gia tập huấn", "người", False),
    ((7, 2), "Cuộc kiểm tra, giám sát", "cuộc", False),
]


def catalogue_load(program_model=None, component_model=None, kind_model=None) -> None:
    """Create what is missing; never overwrites an administrator's edits (migrations pass the
    historical models)."""
    if program_model is None:
        from budgets.models import Component as component_model
        from budgets.models import OutputKind as kind_model
        from budgets.models import Program as program_model
    for data in PROGRAMS:
        values = {k: v for k, v in data.items() if k != "projects"}
        program, _ = program_model.objects.get_or_create(code=values["code"], defaults=values)
        for number, name, scope, capitals, subprojects in data["projects"]:
            project, _ = component_model.objects.get_or_create(
                program=program, parent=None, number=number,
                defaults={"name": name, "scope": scope, "capital_types": capitals},
            )  # fmt: skip
            for sub_number, sub_name, sub_scope, sub_capitals in subprojects:
                component_model.objects.get_or_create(
                    program=program, parent=project, number=sub_number,
                    defaults={"name": sub_name, "scope": sub_scope, "capital_types": sub_capitals},
                )  # fmt: skip
        if not data["projects"]:
            continue
        for position, ((project_number, sub_number), name, measure, breakdown) in enumerate(OUTPUT_KINDS):
            project = component_model.objects.get(program=program, parent=None, number=project_number)
            component = (
                project
                if sub_number is None
                else component_model.objects.get(program=program, parent=project, number=sub_number)
            )
            kind_model.objects.get_or_create(
                component=component, name=name,
                defaults={"measure": measure, "has_breakdown": breakdown, "position": position},
            )  # fmt: skip
