"""What a document says: its form fields (issuing body, legal bases, recipients, signer…) with
defaults per unit, the narrative sections the officer writes, and the figures computed from the
data. compose() returns plain JSON-able data: a draft is composed anew each time; issuing freezes
that data in the document (Document.snapshot), so later data changes never alter it.
"""

import html
import re
from datetime import date

from budgets.models import Program, Source
from budgets.selectors import budget_overview, overview_as_dict
from households.mpi import as_floats
from households.mpi_selectors import MpiUnavailable, mpi_measures
from households.selectors import rate, year_figures
from povertyprog.units.models import AdministrativeUnit, Level
from reports.goals import period_target, poverty_goal
from reports.models import (
    SYMBOLS,
    Document,
    DocumentKind,
    LegalBasis,
    OfficeName,
    PeriodKind,
    Target,
)
from reports.recognition import decision_lists
from reports.selectors import unapproved_units

UNIT_PREFIXES = (
    "Thành phố ",
    "Thị xã ",
    "Thị trấn ",
    "Huyện ",
    "Quận ",
    "Tỉnh ",
    "Xã ",
    "Phường ",
    "Đặc khu ",
)

# Narrative sections per kind, in the order of the seeds: (key, heading).
SECTIONS = {
    DocumentKind.ANNUAL_REPORT: [
        ("direction", "I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH"),
        ("results", "II. KẾT QUẢ THỰC HIỆN"),
        ("assessment", "III. ĐÁNH GIÁ CHUNG"),
        ("next_year", "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM {next_year}"),
        ("proposal", "V. KIẾN NGHỊ, ĐỀ XUẤT"),
    ],
    DocumentKind.COMMUNE_REPORT: [
        ("direction", "I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH"),
        ("results", "II. KẾT QUẢ THỰC HIỆN"),
        ("assessment", "III. ĐÁNH GIÁ CHUNG"),
        ("next_year", "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM {next_year}"),
        ("proposal", "V. KIẾN NGHỊ, ĐỀ XUẤT"),
    ],
    DocumentKind.PHASE_REPORT: [
        ("direction", "I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH"),
        ("results", "II. KẾT QUẢ THỰC HIỆN GIAI ĐOẠN {first} - {year}"),
        ("assessment", "III. ĐÁNH GIÁ CHUNG"),
        ("proposal", "IV. KIẾN NGHỊ, ĐỀ XUẤT"),
    ],
    DocumentKind.RECOGNITION: [],  # its articles are fixed wording (templates/documents/_decision.html)
    DocumentKind.PLAN: [
        ("purpose", "I. MỤC ĐÍCH, YÊU CẦU"),
        ("targets", "II. CHỈ TIÊU"),
        ("contents", "III. NỘI DUNG THỰC HIỆN"),
        ("funding", "IV. KINH PHÍ THỰC HIỆN"),
        ("solutions", "V. GIẢI PHÁP"),
        ("organisation", "VI. TỔ CHỨC THỰC HIỆN"),
    ],
}
# Sections whose computed parts carry numbered headings (templates/documents/_computed.html): the
# officer's text there follows them under the next number, so that one numbering runs through.
COMPUTED_PARTS = {
    DocumentKind.ANNUAL_REPORT: ("results",),
    DocumentKind.COMMUNE_REPORT: ("results",),
    DocumentKind.PHASE_REPORT: ("results",),
    DocumentKind.PLAN: ("targets",),
}
# Titles name the program of the document's year (budgets.Program: dated data), without its phase.
TITLES = {
    DocumentKind.ANNUAL_REPORT: "Kết quả thực hiện {program} năm {year}",
    DocumentKind.COMMUNE_REPORT: "Kết quả thực hiện {program} năm {year}",
    DocumentKind.PHASE_REPORT: "Kết quả thực hiện {program} giai đoạn {first} - {year}",
    DocumentKind.PLAN: "Thực hiện {program} năm {year}",
    DocumentKind.RECOGNITION: "Về việc công nhận hộ nghèo, hộ cận nghèo năm {year}",
}
PLAN_OVER_YEARS = "Thực hiện {program} giai đoạn {year} - {last}"  # seed 003: 2024 - 2025
MAX_PLAN_YEARS = 5  # a plan runs up to five years (a phase of the program)


def section_headings(document: Document) -> list[tuple[str, str]]:
    """(key, heading) of the document's sections, each heading naming its year or phase
    ("PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM 2025", "KẾT QUẢ THỰC HIỆN GIAI ĐOẠN 2021 - 2024")."""
    program = program_of(document.year)
    first = program.first_year if program else document.year
    values = {"year": document.year, "next_year": document.year + 1, "first": first}
    return [(key, heading.format(**values)) for key, heading in SECTIONS[document.kind]]


def program_of(year: int) -> Program | None:
    """The program in force in `year`, or None (budgets.Program: dated data)."""
    try:
        return Program.objects.for_year(year)
    except Program.DoesNotExist:
        return None


def program_title(program: Program | None) -> str:
    """'… giảm nghèo bền vững giai đoạn 2021 - 2025' -> '… giảm nghèo bền vững' (titles add the year)."""
    if program is None:
        return "Chương trình mục tiêu quốc gia giảm nghèo bền vững"
    return re.sub(r"\s+giai đoạn\s+\d{4}\s*-\s*\d{4}$", "", program.name)


# Family names that open a unit named after a person ("Phường Nguyễn Thị Minh Khai").
SURNAMES = {
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
    "Ngô", "Dương", "Lý", "Phùng", "Lương", "Trương", "Đinh", "Đào", "Mạc", "Hà", "Cao", "Tôn", "Chu",
}  # fmt: skip


def named_after_person_or_number(place: str) -> bool:
    """Decree 30/2020 (Appendix I): a unit named after a person, by a number or an event is written
    with its full name in the place line. Read from the name: a digit, or three words or more that
    start with a family name ("Nguyễn Thị Minh Khai", "Phùng Chí Kiên"; not "Dương Quang")."""
    words = place.split()
    return any(c.isdigit() for c in place) or (len(words) >= 3 and words[0] in SURNAMES)


def short_name(unit: AdministrativeUnit) -> str:
    """'Thành phố Bắc Kạn' -> 'Bắc Kạn' (the place in 'Bắc Kạn, ngày …'); a unit named after a
    person keeps its full name ('Phường Nguyễn Thị Minh Khai, ngày …')."""
    for prefix in UNIT_PREFIXES:
        if unit.name.startswith(prefix):
            place = unit.name.removeprefix(prefix)
            return unit.name if named_after_person_or_number(place) else place
    return unit.name


def _addressee_and_offices(unit: AdministrativeUnit, year: int) -> tuple[str, list[str]]:
    """Who a unit reports to, and the offices its documents go to, by level: a province reports
    to the ministry in charge of the year (OfficeName) and sends to its departments and the
    people's committees below; a district or commune reports to the committee above it."""
    if unit.parent is None:
        below = unit.children.first()
        committees = (
            "Ủy ban nhân dân các xã, phường" if below is None or below.level == Level.COMMUNE
            else "Ủy ban nhân dân các huyện, thị xã, thành phố"
        )  # fmt: skip
        ministry = OfficeName.for_year(OfficeName.Role.MINISTRY, year)
        return ministry, ["Các sở, ban, ngành liên quan", committees]
    higher = committee_of(unit.parent.name)  # "Ủy ban nhân dân tỉnh Bắc Kạn"
    offices = (
        "Các phòng, ban, đơn vị liên quan" if unit.level == Level.DISTRICT else "Các ban, ngành, đoàn thể xã"
    )
    return higher, [offices]


def default_fields(unit: AdministrativeUnit, kind: str, year: int) -> dict:
    is_report = kind not in (DocumentKind.PLAN, DocumentKind.RECOGNITION)
    addressee, offices = _addressee_and_offices(unit, year)
    if kind == DocumentKind.RECOGNITION:  # the chair decides alone; the decision names who executes it
        offices = ["Như Điều 3", *([f"{addressee} (b/c)"] if addressee else [])]
        addressee = ""
    return {
        "parent_body": "",
        "issuing_body": ["ỦY BAN NHÂN DÂN", unit.name.upper()],
        "place": short_name(unit),
        # The dated bases of the year (reports.legal, corrected in the admin), for every kind.
        "legal_bases": [f"Căn cứ {basis.text}" for basis in LegalBasis.objects.for_document(kind, year)],
        "to": [addressee] if is_report and addressee else [],
        # Decree 30: a document with "Kính gửi" lists its addressees first as "Như trên"; a plan
        # sends its addressee a copy "để báo cáo".
        "recipients": (
            ["Như trên"] if is_report and addressee else [f"{addressee} (b/c)"] if addressee else []
        )
        + offices
        + ["Lưu: VT"],
        # collective body; "" when the head signs alone (the chair's decision)
        "authority": "" if kind == DocumentKind.RECOGNITION else "TM. ỦY BAN NHÂN DÂN",
        "mode": "",  # "" the head signs; "KT." a deputy; "Q." acting; "TL." / "TUQ." by delegation
        "head_title": "CHỦ TỊCH",
        "signer_title": "CHỦ TỊCH",
        "signer_name": "",
    }


def plan_years(document: Document) -> list[int]:
    """The years a document plans or reports on one by one: one year, or a plan's span."""
    return list(range(document.year, (document.last_year or document.year) + 1))


def span_words(first: int, last: int | None) -> str:
    """'năm 2024' or 'giai đoạn 2024 - 2025'."""
    return f"giai đoạn {first} - {last}" if last and last > first else f"năm {first}"


def new_document(unit: AdministrativeUnit, kind: str, year: int, last_year: int | None = None) -> Document:
    """An unsaved draft with default fields, and the narrative of the unit's previous document of
    this kind as a starting point. last_year: the end of a plan over several years (seed 003)."""
    if last_year == year:
        last_year = None
    if last_year is not None and kind != DocumentKind.PLAN:
        raise ValueError("Chỉ kế hoạch mới ghi “Đến năm”; báo cáo để trống ô này.")
    if last_year is not None and not year < last_year < year + MAX_PLAN_YEARS:
        raise ValueError(f"Kế hoạch nhiều năm: đến năm sau năm {year}, tối đa {MAX_PLAN_YEARS} năm.")
    previous = Document.objects.filter(unit=unit, kind=kind).order_by("-year", "-created_at").first()
    program = program_of(year)
    template = PLAN_OVER_YEARS if last_year else TITLES[kind]
    title = template.format(
        program=program_title(program),
        year=year,
        last=last_year,
        first=program.first_year if program else year,
    )
    return Document(
        unit=unit,
        kind=kind,
        year=year,
        last_year=last_year,
        title=title,
        symbol=SYMBOLS[kind],
        fields=default_fields(unit, kind, year),
        narrative=dict(previous.narrative) if previous else {},
    )


# --- Figures ---------------------------------------------------------------------------------


def compose(document: Document) -> dict:
    """Everything the templates print, as JSON-able data (frozen as the snapshot on issuing)."""
    unit, year, kind = document.unit, document.year, document.kind
    if kind == DocumentKind.RECOGNITION:
        return _compose_decision(document)
    program = program_of(year)
    phase_start = program.first_year if program else year
    if kind == DocumentKind.PLAN:
        # A plan starts from the lists of the year before (seed 003: causes and deprivations of
        # the poor and near-poor households it plans for) and is not subject to approval. A plan
        # over several years has each year's targets (seed 003's "phụ lục phân kỳ") and the
        # capital of all its years.
        years = plan_years(document)
        situation = year_figures(unit, year - 1)
        figures = {
            "registry": situation["households"],
            "budget": _budget(unit, years[-1], since=year if len(years) > 1 else None),
        }
        # The first year's table stays under "targets" (the shape issued snapshots keep).
        figures["targets"], *later = (targets_table(unit, y) for y in years)
        figures["targets_later"] = later
        unapproved = []
    else:
        situation = year_figures(unit, year)
        first = phase_start if kind == DocumentKind.PHASE_REPORT else year
        period_kind = PeriodKind.PHASE if kind == DocumentKind.PHASE_REPORT else PeriodKind.ANNUAL
        figures = {
            "registry": situation["households"],
            "budget": _budget(unit, year, since=first),
            "goal": poverty_goal(unit, first, year, period_kind, end_figures=situation["households"]),
        }
        unapproved = unapproved_units(unit, year)
    dimensions = {d["key"]: d["name"] for d in situation["dimensions"]}
    figures["indicators"] = [
        {**i, "dimension_name": dimensions[i["dimension"]]} for i in situation["indicators"]
    ]
    figures["causes"] = situation["causes"]
    figures["deprived_recorded"] = any(i["poor"] or i["near_poor"] for i in situation["indicators"])
    figures["causes_recorded"] = any(c["poor"] or c["near_poor"] for c in situation["causes"])
    if document.fields.get("mpi_section"):
        figures["mpi"] = mpi_section(unit, year - 1 if kind == DocumentKind.PLAN else year)
    return {
        "kind": kind,
        "kind_label": "KẾ HOẠCH" if kind == DocumentKind.PLAN else "BÁO CÁO",
        "symbol": document.symbol,
        "title": document.title,
        "year": year,
        "last_year": document.last_year,
        "span": span_words(year, document.last_year),
        "first_year": phase_start,
        "unit_name": unit.name,
        "committee": committee_of(unit.name),
        "fields": document.fields,
        "sections": [
            {
                "key": key,
                "heading": heading,
                "html": narrative_html(document.narrative.get(key, "")),
                "computed": key in COMPUTED_PARTS.get(kind, ()),
            }
            for key, heading in section_headings(document)
        ],
        "figures": figures,
        # A plan is not subject to the approval of the year it plans; a report is, for the units
        # whose figures it sums.
        "unapproved": unapproved,
        "provisional": bool(unapproved),
    }


def mpi_section(unit: AdministrativeUnit, year: int) -> dict | None:
    """The Alkire-Foster figures a report (of its year) or a plan (of the year before) prints when
    its author asks for them: the unit's, and by child unit above a commune. None when the year has
    no parameters (the section then says so)."""
    try:
        result = mpi_measures(unit, year, by="child" if unit.level != Level.COMMUNE else None)
    except MpiUnavailable:
        return None
    return as_floats(result)


def _compose_decision(document: Document) -> dict:
    return {
        "kind": document.kind,
        "kind_label": "QUYẾT ĐỊNH",
        "symbol": document.symbol,
        "title": document.title,
        "year": document.year,
        "last_year": None,
        "unit_name": document.unit.name,
        "committee": committee_of(document.unit.name),
        "fields": document.fields,
        "sections": [],
        "figures": {},
        "decision": decision_lists(document),
        "unapproved": [],
        "provisional": False,
    }


def _budget(unit: AdministrativeUnit, year: int, since: int | None = None) -> dict:
    overview = budget_overview(unit, year, since=since)
    data = overview_as_dict(overview)
    data["by_year"] = _years_up_to(overview.by_year, year)
    data["source_labels"] = dict(Source.choices)
    data["policies_recorded"] = any(p["beneficiaries"] or p["amount"] for p in data["policies"])
    # Empty tables are not printed (a sentence says there was none), nor projects without a figure.
    data["projects"] = [
        {**p, "subprojects": [c for c in p["subprojects"] if _has_figures(c)]}
        for p in data["projects"]
        if _has_figures(p)
    ]
    data["budget_empty"] = not data["projects"] and not _has_figures(data["total"])
    return data


def _has_figures(row: dict) -> bool:
    return any(row.get(stage) for stage in ("assigned", "allocated", "carried_over", "disbursed"))


def _years_up_to(table, year: int) -> dict | None:
    """The multi-year table of the program within the document's years only (a 2021-2024 report
    has no 2025 column, and its totals are the sums of the columns it prints)."""
    years = [y for y in table.years if y <= year] if table else []
    if not years:
        return None

    def row(r: dict) -> dict:
        cells = [r["years"][y] for y in years]
        total = {k: sum(c[k] for c in cells) for k in ("central", "local", "total")}
        return {"label": r["label"], "name": r["name"], "level": r["level"], "years": cells, "total": total}

    rows = [row(r) for r in table.rows]
    totals = row(table.totals)
    return {
        "years": years,
        "rows": [r for r in rows if r["total"]["total"]],
        "totals": {"years": totals["years"], "total": totals["total"]},
    }


def targets_table(unit: AdministrativeUnit, year: int) -> dict:
    """The year's targets of a plan. "rows": the units directly below with a target and "total",
    their sum (seed 002's appendix; rates recomputed from the sums). "target": the unit's target
    as every document states it (reports.goals.period_target: its own, else the targets set
    highest below it, summed), so that a plan and a report of the unit never disagree."""
    targets = {
        t.unit_id: t
        for t in Target.objects.filter(
            unit__parent=unit, period__kind=PeriodKind.ANNUAL, period__last_year=year
        )
    }
    rows = [
        _target_row(child.name, targets[child.pk])
        for child in unit.children.order_by("code")
        if child.pk in targets
    ]
    total = None
    if rows:
        sums = {k: sum(r[k] for r in rows) for k in ("households", "poor", "reduction")}
        if all(r["near_poor_target"] for r in rows):
            sums["near_poor"] = sum(r["near_poor"] for r in rows)
            sums["near_poor_reduction"] = sum(r["near_poor_reduction"] for r in rows)
        total = _target_row("Tổng cộng", Target(**{TARGET_FIELDS[k]: v for k, v in sums.items()}))
    found = period_target(unit, PeriodKind.ANNUAL, year, year)
    target = None
    if found is not None:
        target = _target_row(unit.name, Target(**{field: found[key] for key, field in TARGET_FIELDS.items()}))
    return {
        "year": year,
        "rows": rows,
        "total": total,
        "target": target,
        "near_poor_target": bool(total and total["near_poor_target"]),
    }


TARGET_FIELDS = {
    "households": "households_start",
    "poor": "poor_start",
    "reduction": "planned_reduction",
    "near_poor": "near_poor_start",
    "near_poor_reduction": "planned_near_poor_reduction",
}


def _target_row(name: str, target: Target) -> dict:
    """Rates as printed (two decimals, half up), so that the columns' formulas hold on the printed
    values: (5) = (4)/(3)×100, (8) = [(4)-(6)]/(3)×100, (7) = (5)-(8) (seed 002: 1,96 - 1,86 = 0,10);
    the near-poor columns alike, when the target has them (seed 003: "giảm tỷ lệ hộ cận nghèo 0,02%")."""
    row = {key: getattr(target, field) for key, field in TARGET_FIELDS.items()}
    row["name"] = name
    row["near_poor_target"] = row["near_poor_reduction"] is not None and row["near_poor"] is not None
    households = row["households"]
    for prefix, count, reduction in (
        ("", "poor", "reduction"),
        ("near_poor_", "near_poor", "near_poor_reduction"),
    ):
        known = households and (prefix == "" or row["near_poor_target"])
        start = rate(row[count], households) if known else None
        end = rate(row[count] - row[reduction], households) if known else None
        row[f"{prefix}rate"] = start
        row[f"{prefix}end_rate"] = end
        row[f"{prefix}rate_reduction"] = round(start - end, 2) if known else None
    return row


# --- Narrative text --------------------------------------------------------------------------

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<!\*)\*(?!\*)(.+?)(?<!\*)\*(?!\*)")


def narrative_html(text: str) -> str:
    """The officer's text -> safe HTML: blank lines separate paragraphs, lines starting "- " are
    bullets, lines starting "|" a table (its first line the heading: "| Số, ký hiệu | Ngày | Trích
    yếu |"), **bold** and *italic*. Everything else is escaped: no tag, link or image gets through."""
    blocks = []
    for block in re.split(r"\n\s*\n", (text or "").strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        if all(line.startswith("|") for line in lines):
            blocks.append(_table(lines))
        elif all(line.startswith("- ") for line in lines):
            items = "".join(f"<li>{_inline(line[2:])}</li>" for line in lines)
            blocks.append(f'<ul class="dash">{items}</ul>')
        else:
            blocks.extend(f"<p>{_inline(line)}</p>" for line in lines)
    return "".join(blocks)


def _table(lines: list[str]) -> str:
    """'| a | b |' lines -> a bordered table; a '|---|---|' line (Markdown's) is skipped."""
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]
    rows = [row for row in rows if not all(re.fullmatch(r":?-{3,}:?", cell) for cell in row if cell)]
    if not rows:
        return ""
    head, *body = rows
    heading = "".join(f"<th>{_inline(cell)}</th>" for cell in head)
    cells = "".join("<tr>" + "".join(f"<td>{_inline(cell)}</td>" for cell in row) + "</tr>" for row in body)
    return f'<table class="data narrative"><thead><tr>{heading}</tr></thead><tbody>{cells}</tbody></table>'


def _inline(text: str) -> str:
    escaped = html.escape(text, quote=True)
    return _ITALIC.sub(r"<em>\1</em>", _BOLD.sub(r"<strong>\1</strong>", escaped))


SIGNING_MODES = {
    "": "Người đứng đầu ký",
    "KT.": "Cấp phó ký thay (KT.)",
    "Q.": "Quyền (Q.)",
    "TL.": "Ký thừa lệnh (TL.)",
    "TUQ.": "Ký thừa ủy quyền (TUQ.)",
}
# Modes where the person who signs has a title of their own under "KT./TL./TUQ. <head>".
OWN_TITLE_MODES = ("KT.", "TL.", "TUQ.")


def signature_lines(fields: dict) -> list[str]:
    """The lines above the signature (Decree 30/2020, Appendix I, section II.8), one way for
    every case: "TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH", "TM. … / CHỦ TỊCH",
    "Q. CHỦ TỊCH", "TL. CHỦ TỊCH / CHÁNH VĂN PHÒNG"."""
    mode = fields.get("mode")
    if mode is None:  # drafts saved before the signer block had a mode
        mode = "KT." if fields.get("deputy") else ""
    head = fields.get("head_title") or fields.get("signer_title") or "CHỦ TỊCH"
    lines = [fields["authority"]] if fields.get("authority") else []
    if mode:
        lines.append(f"{mode} {head}")
    if mode in OWN_TITLE_MODES:
        lines.append(fields.get("signer_title") or "")
    elif not mode:
        lines.append(head)
    return lines


def issued_words(day: date | None) -> str:
    """'ngày 05 tháng 01 năm 2025' for an appendix line; blanks to be written by hand on a draft."""
    if day is None:
        return "ngày      tháng      năm"
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def committee_of(unit_name: str) -> str:
    """'Thành phố Bắc Kạn' -> 'Ủy ban nhân dân thành phố Bắc Kạn'."""
    kind, _, name = unit_name.partition(" ")
    return f"Ủy ban nhân dân {kind.lower()} {name}"


def date_line(place: str, day: date | None) -> str:
    """'Bắc Kạn, ngày 05 tháng 01 năm 2025' (leading zero for days below 10 and months 1-2);
    a draft leaves the date blank to be written by hand."""
    if day is None:
        return f"{place}, ngày      tháng      năm {date.today().year}"
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"
