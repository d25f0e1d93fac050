"""A frozen copy of budgets/catalogue.py as the migrations that load it knew it: a migration never imports
application code, which changes after it (tests/test_migrations_frozen.py: the copy and the
live loader still seed the same rows)."""

RECURRENT = ["su_nghiep"]
BOTH = ["dtpt", "su_nghiep"]

PROGRAMS = [
    {
        "code": "MTQG-GNBV-2021-2025",
        "name": "Chương trình mục tiêu quốc gia giảm nghèo bền vững giai đoạn 2021 - 2025",
        "legal_basis": "Quyết định số 90/QĐ-TTg ngày 18/01/2022 của Thủ tướng Chính phủ",
        "first_year": 2021,
        "last_year": 2025,
        "outputs": True,
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
        "terms": ("Hợp phần", "Nội dung thành phần"),
        "projects": [
            (1, "Xây dựng nông thôn mới và giảm nghèo bền vững", "all", BOTH, [
                (1, "Hoàn thiện quy hoạch theo quy định bảo đảm đồng bộ, phù hợp, phát huy lợi thế vùng, "
                    "miền và phát triển bền vững", "all", BOTH),
                (2, "Phát triển hạ tầng kinh tế - xã hội nông thôn toàn diện, đồng bộ, hiện đại, kết nối "
                    "hiệu quả với đô thị và thích ứng với biến đổi khí hậu", "all", BOTH),
                (3, "Phát triển kinh tế nông thôn theo hướng sinh thái, hiện đại, tích hợp đa giá trị và đáp "
                    "ứng nhu cầu thị trường", "all", BOTH),
                (4, "Phát triển nguồn nhân lực và hỗ trợ tạo việc làm bền vững", "all", BOTH),
                (5, "Nâng cao chất lượng dịch vụ hành chính công, trợ giúp pháp lý và thúc đẩy bình đẳng "
                    "giới", "all", BOTH),
                (6, "Phát triển khoa học, công nghệ và chuyển đổi số ở nông thôn", "all", BOTH),
                (7, "Xây dựng môi trường và cảnh quan nông thôn sáng, xanh, sạch, đẹp, an toàn và thích ứng "
                    "với biến đổi khí hậu; tăng cường công tác bảo đảm an toàn thực phẩm tại khu vực nông "
                    "thôn", "all", BOTH),
                (8, "Phát huy vai trò của Mặt trận Tổ quốc Việt Nam và các tổ chức chính trị - xã hội "
                    "trong xây dựng nông thôn mới, giảm nghèo bền vững và phát triển kinh tế - xã hội vùng "
                    "đồng bào dân tộc thiểu số và miền núi", "all", BOTH),
                (9, "Bảo đảm quốc phòng, an ninh và trật tự an toàn xã hội", "all", BOTH),
                (10, "Nâng cao năng lực, truyền thông, giám sát, đánh giá; triển khai hiệu quả phong trào "
                     "thi đua về xây dựng nông thôn mới, giảm nghèo bền vững và phát triển kinh tế - xã hội "
                     "vùng đồng bào dân tộc thiểu số và miền núi", "all", BOTH),
            ]),
            (2, "Phát triển kinh tế - xã hội vùng đồng bào dân tộc thiểu số và miền núi", "all", BOTH, [
                (1, "Đầu tư xây dựng, hoàn thiện cơ sở hạ tầng đặc thù vùng đồng bào dân tộc thiểu số và "
                    "miền núi", "all", BOTH),
                (2, "Hỗ trợ phát triển sản xuất, tạo sinh kế và nâng cao thu nhập cho người dân vùng đồng "
                    "bào dân tộc thiểu số và miền núi", "all", BOTH),
                (3, "Phát triển nguồn nhân lực vùng đồng bào dân tộc thiểu số và miền núi", "all", BOTH),
                (4, "Chính sách đặc thù ưu tiên hỗ trợ, phát triển các dân tộc còn gặp nhiều khó khăn, có "
                    "khó khăn đặc thù", "all", BOTH),
                (5, "Công tác truyền thông, tuyên truyền; ứng dụng công nghệ thông tin, chuyển đổi số hỗ trợ "
                    "phát triển kinh tế - xã hội vùng đồng bào dân tộc thiểu số", "all", BOTH),
            ]),
        ],
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


def catalogue_load(program_model, component_model, kind_model) -> None:
    """Create what is missing; never overwrites an administrator's edits (migrations pass the
    historical models)."""
    for data in PROGRAMS:
        values = {k: v for k, v in data.items() if k not in ("projects", "terms", "outputs")}
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
        _terms_fill(component_model, program, data.get("terms"))
        if not data.get("outputs"):
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


def _terms_fill(component_model, program, terms: tuple[str, str] | None) -> None:
    """Name the levels of a program that does not say "Dự án / Tiểu dự án", where no term is set
    (migrations before the field existed skip this; the one adding it fills them)."""
    if not terms or "term" not in {f.name for f in component_model._meta.fields}:
        return
    blank = component_model.objects.filter(program=program, term="")
    blank.filter(parent__isnull=True).update(term=terms[0])
    blank.filter(parent__isnull=False).update(term=terms[1])
