"""Pages of the review season (thin: services write, selectors read, season_print prints)."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from households import privacy, season, season_print
from households.forms import review_years
from households.models import (
    CaseKind,
    CaseRequest,
    Complaint,
    Ground,
    Household,
    PersonalDataExport,
    PhieuACriterion,
    Posting,
    ReviewCase,
    Step,
    Village,
    VillageMeeting,
)
from households.season_selectors import (
    ready_for_recognition,
    season_overview,
    step_of,
    village_cases,
)
from povertyprog.accounts.scoping import can_enter_data, get_scoped_or_404, visible_units
from povertyprog.approvals import lock_message
from povertyprog.units.models import AdministrativeUnit, Level

HELP_TOPICS = {
    "giay-de-nghi": "Nhận giấy đề nghị của hộ (Mẫu số 01)",
    "danh-sach": "Lập danh sách hộ cần rà soát",
    "phieu-a": "Rà soát nhanh bằng Phiếu A",
    "phieu-b": "Chấm Phiếu B và phân loại hộ",
    "hop-thon": "Họp thôn thống nhất kết quả",
    "niem-yet": "Niêm yết công khai 03 ngày làm việc",
    "khieu-nai": "Khiếu nại và phúc tra",
    "cong-nhan": "Công nhận, cấp giấy chứng nhận, trả lời bằng văn bản",
}


def _date(raw: str) -> date:
    """A date field: the date picker's YYYY-MM-DD, or dd/mm/yyyy typed by hand."""
    raw = (raw or "").strip()
    try:
        if "/" in raw:
            day, month, year = (int(part) for part in raw.split("/"))
            return date(year, month, day)
        return date.fromisoformat(raw)
    except (TypeError, ValueError):
        raise ValidationError(f"Ngày “{raw}” không hợp lệ: hãy nhập theo dạng ngày/tháng/năm.") from None


def _int(raw: str, label: str) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise ValidationError(f"{label}: hãy nhập một số nguyên.") from None


def _commune(request, unit_pk: int, year: int) -> AdministrativeUnit:
    commune = get_scoped_or_404(AdministrativeUnit.objects.all(), request.user, "", pk=unit_pk)
    if commune.level != Level.COMMUNE or year not in review_years():
        raise Http404("Không có mùa rà soát này.")
    return commune


def _case(request, pk: int) -> ReviewCase:
    queryset = ReviewCase.objects.select_related("household", "commune", "village", "posting", "meeting")
    return get_scoped_or_404(queryset, request.user, "commune", pk=pk)


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


def _refuse_unless(can_edit: bool) -> None:
    if not can_edit:
        raise PermissionDenied("Chỉ cán bộ của xã, phường được ghi các bước rà soát của đơn vị mình.")


def _run(request, action, success: str) -> bool:
    """Run a service call; tell the user the outcome in Vietnamese. True when it was written."""
    try:
        action()
    except (ValidationError, PermissionDenied) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text)
        return False
    messages.success(request, success)
    return True


@login_required
def season_start(request):
    """The officer's own commune this year; staff above pick one of their communes."""
    year = timezone.localdate().year
    unit = request.user.unit
    if unit is not None and unit.level == Level.COMMUNE:
        return redirect("season:page", unit_pk=unit.pk, year=year)
    query = request.GET.get("q", "").strip()
    communes = visible_units(request.user).filter(level=Level.COMMUNE, valid_to__isnull=True)
    if query:
        communes = communes.search(query)
    return render(
        request, "season/start.html", {"communes": communes.order_by("path")[:100], "year": year, "q": query}
    )


@login_required
def season_page(request, unit_pk: int, year: int):
    commune = _commune(request, unit_pk, year)
    can_edit = can_enter_data(request.user, commune)
    if request.method == "POST":
        _refuse_unless(can_edit)
        action = request.POST.get("action")
        if action == "village":
            _run(
                request,
                lambda: season.village_add(
                    user=request.user, commune=commune, name=request.POST.get("name", "")
                ),
                "Đã thêm thôn, tổ dân phố.",
            )
        elif action == "list":
            village = get_object_or_404(Village, pk=request.POST.get("village") or 0, commune=commune)
            households = list(Household.objects.filter(commune=commune, village__iexact=village.name))
            _run(
                request,
                lambda: season.cases_open(
                    user=request.user, commune=commune, year=year, households=households
                ),
                f"Đã đưa các hộ của {village.name} vào danh sách rà soát năm {year}.",
            )
        return redirect(request.path)
    today = timezone.localdate()
    return render(
        request,
        "season/page.html",
        {
            "commune": commune,
            "year": year,
            "today": today,
            "overview": season_overview(commune, year, today),
            "steps": Step.choices,
            "can_edit": can_edit,
            "locked": lock_message(commune, year),
            "ready": ready_for_recognition(commune, year, today).count(),
            "villages": Village.objects.filter(commune=commune, active=True).order_by("name"),
        },
    )


@login_required
def village_page(request, unit_pk: int, year: int, village_pk: int):
    commune = _commune(request, unit_pk, year)
    village = get_object_or_404(Village, pk=village_pk, commune=commune)
    can_edit = can_enter_data(request.user, commune)
    candidates = list(season.meeting_candidates(village, year).select_related("household"))
    if request.method == "POST":
        _refuse_unless(can_edit)
        action = request.POST.get("action")
        if action == "meeting":

            def hold():
                votes = {
                    c.pk: _int(
                        request.POST.get(f"agreed-{c.pk}"), f"Số đồng ý của hộ {c.household.head_name}"
                    )
                    for c in candidates
                    if request.POST.get(f"agreed-{c.pk}", "") != ""
                }
                season.meeting_hold(
                    user=request.user,
                    village=village,
                    year=year,
                    held_on=_date(request.POST.get("held_on")),
                    chair=request.POST.get("chair", ""),
                    secretary=request.POST.get("secretary", ""),
                    supervisor=request.POST.get("supervisor", ""),
                    attending=_int(request.POST.get("attending"), "Số người dự họp"),
                    votes=votes,
                )

            _run(request, hold, "Đã ghi kết quả họp thôn.")
        elif action == "posting":
            _run(
                request,
                lambda: season.posting_open(
                    user=request.user,
                    village=village,
                    year=year,
                    posted_on=_date(request.POST.get("posted_on")),
                ),
                "Đã ghi niêm yết công khai. In danh sách để niêm yết tại nhà văn hóa thôn và trụ sở UBND.",
            )
        return redirect(request.path)
    return render(
        request,
        "season/village.html",
        {
            "commune": commune,
            "year": year,
            "village": village,
            "cases": village_cases(village, year),
            "candidates": candidates,
            "meetings": VillageMeeting.objects.filter(village=village, year=year),
            "postings": Posting.objects.filter(village=village, year=year),
            "agreed_waiting": village_cases(village, year).filter(step=Step.AGREED).count(),
            "step_labels": dict(Step.choices),
            "can_edit": can_edit,
            "locked": lock_message(commune, year),
            "today": timezone.localdate(),
        },
    )


@login_required
def case_page(request, pk: int):
    case = _case(request, pk)
    can_edit = can_enter_data(request.user, case.commune)
    if request.method == "POST":
        _refuse_unless(can_edit)
        _case_action(request, case)
        return redirect(request.path)
    complaints = list(case.complaints.select_related("reposting"))
    return render(
        request,
        "season/case.html",
        {
            "case": case,
            "household": case.household,
            "step": Step(step_of(case)),
            "criteria": PhieuACriterion.objects.all(),
            "complaints": complaints,
            "grounds": Ground.choices,
            "votes": case.votes.select_related("meeting").order_by("meeting__held_on"),
            "blockers": season.recognition_blockers(case, timezone.localdate()),
            "can_edit": can_edit,
            "locked": lock_message(case.commune, case.year),
            "today": timezone.localdate(),
        },
    )


def _case_action(request, case: ReviewCase) -> None:
    user, data = request.user, request.POST
    version = _int(data.get("version"), "Phiên bản") if data.get("version") else None
    action = data.get("action")
    if action == "phieu_a":
        _run(
            request,
            lambda: season.phieu_a_record(
                user=user,
                case=case,
                met=[_int(n, "Tiêu chí") for n in data.getlist("met")],
                on=_date(data.get("on")),
                expected_version=version,
            ),
            "Đã ghi Phiếu A.",
        )
    elif action == "complaint":
        _run(
            request,
            lambda: season.complaint_lodge(
                user=user,
                household=case.household,
                year=case.year,
                lodged_on=_date(data.get("lodged_on")),
                complainant=data.get("complainant", ""),
                ground=data.get("ground", ""),
                details=data.get("details", ""),
            ),
            "Đã ghi khiếu nại. Hạn phúc tra: 07 ngày làm việc.",
        )
    elif action == "settle":
        complaint = get_object_or_404(Complaint, pk=data.get("complaint") or 0, case=case)
        _run(
            request,
            lambda: season.complaint_settle(
                user=user,
                complaint=complaint,
                rechecked_on=_date(data.get("rechecked_on")),
                result=data.get("result", ""),
                reposted_on=_date(data.get("reposted_on")),
            ),
            "Đã ghi kết quả phúc tra và niêm yết lại.",
        )
    elif action == "refuse":
        _run(
            request,
            lambda: season.case_refuse(
                user=user,
                case=case,
                on=_date(data.get("on")),
                reason=data.get("reason", ""),
                expected_version=version,
            ),
            "Đã ghi văn bản trả lời. In văn bản để gửi hộ gia đình.",
        )


@login_required
def application_page(request, household_pk: int, year: int):
    """Giấy đề nghị (Mẫu số 01) of a household: entered here, or printed blank for signing."""
    household = get_scoped_or_404(
        Household.objects.select_related("commune"), request.user, "commune", pk=household_pk
    )
    if year not in review_years():
        raise Http404("Năm không hợp lệ.")
    can_edit = can_enter_data(request.user, household.commune)
    if request.method == "POST":
        _refuse_unless(can_edit)
        data = request.POST
        result = {}

        def record():
            result["case"] = season.application_record(
                user=request.user,
                household=household,
                year=year,
                applied_on=_date(data.get("applied_on")),
                applicant=data.get("applicant", ""),
                request=data.get("request", ""),
                kind=data.get("kind", ""),
            )

        if _run(request, record, "Đã nhận giấy đề nghị."):
            return redirect("season:case", pk=result["case"].pk)
    return render(
        request,
        "season/application.html",
        {
            "household": household,
            "year": year,
            "case": ReviewCase.objects.filter(household=household, year=year).first(),
            "requests": CaseRequest.choices[:2],
            "kinds": CaseKind.choices,
            "can_edit": can_edit,
            "today": timezone.localdate(),
        },
    )


# --- Printed forms -----------------------------------------------------------------------------


@login_required
def application_blank_pdf(request, unit_pk: int, year: int):
    commune = _commune(request, unit_pk, year)
    return _pdf(season_print.application_pdf(commune, year), f"mau-01-giay-de-nghi-{year}.pdf")


@login_required
def application_pdf(request, pk: int):
    case = _case(request, pk)
    return _pdf(
        season_print.application_pdf(case.commune, case.year, case), f"mau-01-{case.household.code}.pdf"
    )


@login_required
def minutes_pdf(request, pk: int):
    meeting = get_scoped_or_404(
        VillageMeeting.objects.select_related("commune", "village"), request.user, "commune", pk=pk
    )
    return _pdf(season_print.minutes_pdf(meeting), f"bien-ban-hop-thon-{meeting.held_on:%Y%m%d}.pdf")


@login_required
def posting_pdf(request, pk: int):
    """The list to post. Personal data leaving the system: the commune's officer prints it, and
    the print is logged (households.privacy)."""
    posting = get_scoped_or_404(
        Posting.objects.select_related("commune", "village"), request.user, "commune", pk=pk
    )
    if not privacy.may_export_posting(request.user, posting.commune):
        raise PermissionDenied("Danh sách niêm yết do cán bộ xã của đơn vị in.")
    rows = season_print.posting_rows(posting)
    privacy.export_record(
        user=request.user, unit=posting.commune, kind=PersonalDataExport.Kind.POSTING, year=posting.year,
        rows=len(rows), file_format="pdf", purpose="niem_yet", filter=posting.village.name,
    )  # fmt: skip
    return _pdf(season_print.posting_pdf(posting), f"niem-yet-{posting.posted_on:%Y%m%d}.pdf")


@login_required
def final_list_pdf(request, unit_pk: int, year: int):
    commune = _commune(request, unit_pk, year)
    if not privacy.may_export_posting(request.user, commune):
        raise PermissionDenied("Danh sách do cán bộ xã của đơn vị in.")
    privacy.export_record(
        user=request.user, unit=commune, kind=PersonalDataExport.Kind.POSTING, year=year,
        rows=ReviewCase.objects.filter(commune=commune, year=year, step=Step.RECOGNISED).count(),
        file_format="pdf", purpose="niem_yet", filter="Phụ lục VI",
    )  # fmt: skip
    return _pdf(season_print.final_list_pdf(commune, year), f"phu-luc-vi-{year}.pdf")


@login_required
def refusal_pdf(request, pk: int):
    case = _case(request, pk)
    if case.step != Step.REFUSED:
        raise Http404("Hộ này chưa có văn bản trả lời.")
    return _pdf(season_print.refusal_pdf(case), f"tra-loi-{case.household.code}.pdf")


@login_required
def help_page(request, slug: str):
    if slug not in HELP_TOPICS:
        raise Http404("Không có hướng dẫn này.")
    return render(request, f"season/help/{slug}.html", {"title": HELP_TOPICS[slug], "topics": HELP_TOPICS})
