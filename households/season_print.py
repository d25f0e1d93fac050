"""The review season's paperwork, printed from the data as PDF (povertyprog.lib.printing):
Giấy đề nghị (Mẫu số 01, filled or blank), the village meeting's minutes (Phụ lục V, two sets),
the posting list (no ID number: name, village, proposed class), the re-check's posting, the final
list (Phụ lục VI), the written refusal, and the certificates (Mẫu số 03) of an issued decision.
"""

from datetime import date

from django.db.models import Count, OuterRef, Subquery
from django.template.loader import render_to_string

from households.classification import HouseholdClass
from households.models import (
    Complaint,
    HouseholdReview,
    Posting,
    PostingKind,
    ReviewCase,
    Step,
    VillageMeeting,
)
from households.season_selectors import meeting_votes
from povertyprog.lib.printing import font_urls, pdf_from_html
from povertyprog.units.models import AdministrativeUnit

CLASS_LABELS = dict(HouseholdClass.choices)
PREFIXES = ("Phường ", "Xã ", "Thị trấn ", "Đặc khu ")


def place_of(commune: AdministrativeUnit) -> str:
    """'Phường Bắc Kạn' → 'Bắc Kạn' (the place in the date line)."""
    for prefix in PREFIXES:
        if commune.name.startswith(prefix):
            return commune.name.removeprefix(prefix)
    return commune.name


def committee_of(commune: AdministrativeUnit) -> str:
    kind, _, name = commune.name.partition(" ")
    return f"Ủy ban nhân dân {kind.lower()} {name}"


def date_line(commune: AdministrativeUnit, day: date | None) -> str:
    if day is None:
        return f"{place_of(commune)}, ngày …… tháng …… năm ……"
    return f"{place_of(commune)}, ngày {day:%d} tháng {day:%m} năm {day.year}"


def _print(template: str, commune: AdministrativeUnit, **context) -> bytes:
    words = commune.name.partition(" ")
    html = render_to_string(
        f"season/print/{template}",
        {
            "fonts": font_urls(),
            "commune": commune,
            "issuer": {"parent": "Ủy ban nhân dân", "body": commune.name},
            "committee": committee_of(commune),
            "commune_words": f"{words[0].lower()} {words[2]}",
            "place": place_of(commune),
            **context,
        },
    )
    return pdf_from_html(html)


def proposed_class(via: str = ""):
    """The class the year's Phiếu B gives the case's household (annotation; `via`: the path to
    the case, e.g. "case__" from a meeting's vote)."""
    return Subquery(
        HouseholdReview.objects.filter(
            household=OuterRef(f"{via}household"), year=OuterRef(f"{via}year")
        ).values("classification")[:1]
    )


def application_pdf(commune: AdministrativeUnit, year: int, case: ReviewCase | None = None) -> bytes:
    members = case.household.members.count() if case else None
    return _print("mau01.html", commune, title="Giấy đề nghị", case=case, year=year, members=members)


def minutes_pdf(meeting: VillageMeeting) -> bytes:
    votes = list(meeting_votes(meeting).annotate(proposed=proposed_class("case__")))
    for vote in votes:
        vote.proposed_label = CLASS_LABELS.get(vote.proposed, "")
        vote.share = 100 * vote.agreed / meeting.attending
    copies = ["Bản số 01: lưu tại thôn", "Bản số 02: gửi Ban Chỉ đạo giảm nghèo xã"]
    return _print(
        "bien_ban.html",
        meeting.commune,
        title="Biên bản họp thôn",
        meeting=meeting,
        votes=votes,
        copies=copies,
    )


def posting_rows(posting: Posting) -> list[dict]:
    """What a posting shows: name, village, proposed class (and the re-check's result): no ID
    number, no income, nothing else about anyone (Law 91/2025; households.privacy)."""
    if posting.kind == PostingKind.RECHECK:
        results = dict(Complaint.objects.filter(reposting=posting).values_list("case_id", "result"))
        cases = ReviewCase.objects.filter(pk__in=list(results))
    else:
        results, cases = {}, ReviewCase.objects.filter(posting=posting)
    cases = (
        cases.annotate(proposed=proposed_class())
        .select_related("household")
        .order_by("household__head_sort_key", "household__code")
    )
    return [
        {
            "head_name": c.household.head_name,
            "village": c.household.village,
            "proposed_label": CLASS_LABELS.get(c.proposed, "Chưa chấm Phiếu B"),
            "result": results.get(c.pk, ""),
        }
        for c in cases
    ]


def posting_pdf(posting: Posting) -> bytes:
    return _print(
        "niem_yet.html",
        posting.commune,
        title="Danh sách niêm yết",
        posting=posting,
        rows=posting_rows(posting),
    )


def final_list_pdf(commune: AdministrativeUnit, year: int) -> bytes:
    """Phụ lục VI: the households the chair recognised, poor then near-poor."""
    cases = (
        ReviewCase.objects.filter(commune=commune, year=year, step=Step.RECOGNISED)
        .annotate(proposed=proposed_class(), members=Count("household__members"))
        .select_related("household")
        .order_by("village__name", "household__head_sort_key")
    )
    groups = {cls: [] for cls in (HouseholdClass.POOR, HouseholdClass.NEAR_POOR)}
    for case in cases:
        if case.proposed in groups:
            groups[case.proposed].append(
                {
                    "head_name": case.household.head_name,
                    "village": case.household.village,
                    "members": case.members,
                    "minority": case.household.ethnic_minority,
                    "decision": case.decision,
                }
            )
    return _print(
        "phu_luc_vi.html",
        commune,
        title="Phụ lục VI",
        year=year,
        groups=[{"label": CLASS_LABELS[cls], "rows": rows} for cls, rows in groups.items()],
    )


def refusal_pdf(case: ReviewCase) -> bytes:
    return _print(
        "tu_choi.html",
        case.commune,
        title="Trả lời",
        case=case,
        date_line=date_line(case.commune, case.decided_on),
    )


def certificates_pdf(
    commune: AdministrativeUnit, *, year: int, rows: list[dict], reference: str, issued_on: date, signer: str
) -> bytes:
    """Mẫu số 03, one page per household of an issued decision (`rows`: head_name, village,
    classification)."""
    rows = [{**row, "label": CLASS_LABELS[row["classification"]]} for row in rows]
    return _print(
        "giay_chung_nhan.html",
        commune,
        title="Giấy chứng nhận",
        rows=rows,
        year=year,
        reference=reference,
        issued_on=issued_on,
        unit_name=commune.name,
        signer=signer,
        date_line=date_line(commune, issued_on),
    )
