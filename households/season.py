"""Writes of the review season: the steps of a household's review in one year (households.models
ReviewCase and its meeting, postings and complaints). The rules themselves are in
households.procedure; the reads in households.season_selectors.

Every function runs in one transaction, checks that the user enters data for the commune and that
the commune's year is not sent or approved (povertyprog.approvals), serialises on the rows it
changes, and leaves an audit row naming the user (django-simple-history).
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from simple_history.utils import bulk_create_with_history

from households import procedure
from households.classification import HouseholdClass
from households.models import (
    CaseKind,
    CaseRequest,
    Complaint,
    Household,
    HouseholdReview,
    MeetingVote,
    PhieuACriterion,
    Posting,
    PostingKind,
    ReviewCase,
    Step,
    Village,
    VillageMeeting,
)
from povertyprog.accounts.models import User
from povertyprog.accounts.scoping import can_enter_data
from povertyprog.approvals import ensure_unlocked
from povertyprog.lib.vietnamese import fold
from povertyprog.units.models import AdministrativeUnit
from povertyprog.workdays.calendar import calendar_for

STALE = "Hồ sơ của hộ vừa được người khác cập nhật sau khi bạn mở trang: hãy tải lại trang rồi làm lại."
CLOSED = "Hộ {code} đã có quyết định năm {year} ({step}): không thay đổi được nữa."
# What the commune decides on: lists I-III of the decision (Mẫu số 02).
RECOGNISED_CLASSES = (HouseholdClass.POOR, HouseholdClass.NEAR_POOR)


# Phiếu A's 9 criteria as seeded (wording unconfirmed: the administrator corrects it, D49).
PHIEU_A_SEEDED = [
    "Hộ có thành viên đang làm việc hưởng lương thường xuyên từ ngân sách nhà nước hoặc có hợp đồng "
    "lao động từ 12 tháng trở lên",
    "Hộ có thành viên đang hưởng lương hưu hoặc trợ cấp bảo hiểm xã hội hằng tháng",
    "Hộ có nhà ở kiên cố, diện tích bình quân trên 30 m²/người",
    "Hộ có ô tô (trừ xe dùng để kinh doanh vận tải của hộ nghèo đã vay vốn)",
    "Hộ có máy điều hòa nhiệt độ",
    "Hộ có máy giặt hoặc tủ lạnh có giá trị lớn",
    "Hộ có tàu, thuyền, máy móc sản xuất có giá trị từ 50 triệu đồng trở lên",
    "Hộ có đất sản xuất, mặt nước trên mức bình quân của thôn và có thu nhập ổn định từ đó",
    "Hộ có cơ sở sản xuất, kinh doanh, dịch vụ thường xuyên thuê lao động",
]


def phieu_a_load() -> None:
    """Create the seeded criteria that are missing; never overwrites an administrator's wording."""
    for number, text in enumerate(PHIEU_A_SEEDED, 1):
        PhieuACriterion.objects.get_or_create(number=number, defaults={"text": text})


def _require(user: User, commune: AdministrativeUnit, year: int) -> None:
    if not can_enter_data(user, commune):
        raise PermissionDenied("Bạn không có quyền nhập liệu cho đơn vị này.")
    ensure_unlocked(commune, year)


def _save(case: ReviewCase, user: User, reason: str) -> None:
    case.version += 1
    case._history_user, case._change_reason = user, reason
    case.save()


def _locked_case(case: ReviewCase, expected_version: int | None = None) -> ReviewCase:
    current = ReviewCase.objects.select_for_update().select_related("household", "village").get(pk=case.pk)
    if expected_version is not None and current.version != expected_version:
        raise ValidationError(STALE)
    if current.step in (Step.RECOGNISED, Step.REFUSED):
        raise ValidationError(
            CLOSED.format(code=current.household.code, year=current.year, step=current.get_step_display())
        )
    return current


# --- Villages ----------------------------------------------------------------------------------


def village_of(commune: AdministrativeUnit, name: str) -> Village:
    """The commune's village of this name (accents, case and spacing aside), added to the list
    when the registry already uses a name the list lacks (the list grows from the registry)."""
    village = Village.objects.filter(commune=commune, folded=fold(name)).first()
    if village is None:
        village = Village(commune=commune, name=name)
        village.save()
    return village


# --- Applications and the list (step 1-2) --------------------------------------------------------


@transaction.atomic
def cases_open(
    *,
    user: User,
    commune: AdministrativeUnit,
    year: int,
    households: list[Household],
    kind: str = CaseKind.PERIODIC,
) -> list[ReviewCase]:
    """Put households on the year's review list (TT 07 Phụ lục I); those already on it are left."""
    _require(user, commune, year)
    if any(h.commune_id != commune.pk for h in households):
        raise PermissionDenied("Chỉ đưa vào danh sách các hộ của đơn vị mình.")
    taken = set(
        ReviewCase.objects.filter(year=year, household__in=households).values_list("household_id", flat=True)
    )
    villages = {}
    cases = []
    for household in households:
        if household.pk in taken or household.merged_into_id:
            continue
        key = fold(household.village)
        if key not in villages:
            villages[key] = village_of(commune, household.village)
        cases.append(
            ReviewCase(household=household, year=year, commune=commune, village=villages[key], kind=kind)
        )
    return bulk_create_with_history(cases, ReviewCase, batch_size=2000, default_user=user)


@transaction.atomic
def application_record(
    *,
    user: User,
    household: Household,
    year: int,
    applied_on: date,
    applicant: str,
    request: str,
    kind: str = CaseKind.REGULAR,
) -> ReviewCase:
    """The household's Giấy đề nghị (Mẫu số 01): opens its case of the year, or notes the
    application on the case the list already opened for it."""
    _require(user, household.commune, year)
    if household.merged_into_id:
        raise ValidationError(f"Hộ {household.code} đã nhập vào hộ khác: không rà soát riêng nữa.")
    if request not in (CaseRequest.ENTER, CaseRequest.LEAVE) or kind not in CaseKind.values:
        raise ValidationError("Chọn nội dung đề nghị và hình thức rà soát trong danh sách.")
    if applied_on.year != year:
        raise ValidationError(f"Ngày nộp giấy đề nghị phải trong năm {year}.")
    if not applicant.strip():
        raise ValidationError("Hãy ghi họ tên người làm giấy đề nghị.")
    case = ReviewCase.objects.select_for_update().filter(household=household, year=year).first()
    if case is None:
        village = village_of(household.commune, household.village)
        case = ReviewCase(
            household=household, year=year, commune=household.commune, village=village, kind=kind
        )
    elif case.step in (Step.RECOGNISED, Step.REFUSED):
        raise ValidationError(CLOSED.format(code=household.code, year=year, step=case.get_step_display()))
    case.applied_on, case.applicant, case.request = applied_on, applicant.strip(), request
    case.due_on = procedure.regular_review_due(applied_on) if case.kind == CaseKind.REGULAR else None
    _save(case, user, "Giấy đề nghị (Mẫu số 01)")
    return case


# --- Phiếu A, Phiếu B (steps 2-3) --------------------------------------------------------------


@transaction.atomic
def phieu_a_record(
    *, user: User, case: ReviewCase, met: list[int], on: date, expected_version: int | None
) -> ReviewCase:
    """Phiếu A: the numbers of the criteria the household meets. Fewer than 4 ⇒ Phiếu B."""
    _require(user, case.commune, case.year)
    case = _locked_case(case, expected_version)
    if case.step not in (Step.LISTED, Step.SCREENED_OUT, Step.PHIEU_B):
        raise ValidationError(f"Hộ {case.household.code} đã qua họp thôn: không sửa Phiếu A được nữa.")
    numbers = set(PhieuACriterion.objects.values_list("number", flat=True))
    if not set(met) <= numbers:
        raise ValidationError(f"Phiếu A chỉ có các tiêu chí {', '.join(map(str, sorted(numbers)))}.")
    if on.year != case.year:
        raise ValidationError(f"Ngày rà soát Phiếu A phải trong năm {case.year}.")
    case.phieu_a, case.phieu_a_on = sorted(set(met)), on
    case.step = Step.PHIEU_B if procedure.goes_to_phieu_b(len(case.phieu_a)) else Step.SCREENED_OUT
    _save(case, user, "Phiếu A")
    return case


# --- Village meeting (step 4) ------------------------------------------------------------------


def meeting_candidates(village: Village, year: int):
    """Cases of the village ready for its meeting: Phiếu B done, or to be discussed again."""
    reviewed = HouseholdReview.objects.filter(household=OuterRef("household"), year=year)
    return (
        ReviewCase.objects.filter(village=village, year=year)
        .annotate(reviewed=Exists(reviewed))
        .filter(Q(step=Step.PHIEU_B, reviewed=True) | Q(step=Step.REREVIEW))
    )


@transaction.atomic
def meeting_hold(
    *,
    user: User,
    village: Village,
    year: int,
    held_on: date,
    chair: str,
    attending: int,
    votes: dict[int, int],
    secretary: str = "",
    supervisor: str = "",
) -> VillageMeeting:
    """Record the meeting and each discussed household's agreement count (`votes`: case id →
    number agreeing). At least half of those attending ⇒ agreed; fewer ⇒ reviewed again."""
    commune = village.commune
    _require(user, commune, year)
    if held_on.year != year:
        raise ValidationError(f"Ngày họp phải trong năm {year}.")
    if not chair.strip():
        raise ValidationError("Hãy ghi người chủ trì cuộc họp (trưởng thôn).")
    if attending <= 0:
        raise ValidationError("Số người dự họp phải lớn hơn 0.")
    if not votes:
        raise ValidationError("Chưa có hộ nào được đưa ra họp.")
    cases = {
        c.pk: c for c in meeting_candidates(village, year).select_for_update().select_related("household")
    }
    unknown = set(votes) - set(cases)
    if unknown:
        raise ValidationError(
            "Có hộ chưa sẵn sàng đưa ra họp thôn (chưa chấm Phiếu B hoặc không thuộc thôn này): "
            "hãy tải lại trang."
        )
    for case_id, agreed in votes.items():
        if not 0 <= agreed <= attending:
            raise ValidationError(
                f"Hộ {cases[case_id].household.code}: số đồng ý phải từ 0 đến {attending} (số người dự họp)."
            )
    meeting = VillageMeeting(
        commune=commune,
        village=village,
        year=year,
        held_on=held_on,
        chair=chair.strip(),
        secretary=secretary.strip(),
        supervisor=supervisor.strip(),
        attending=attending,
        recorded_by=user,
    )
    meeting._history_user = user
    meeting.save()
    for case_id, agreed in votes.items():
        case = cases[case_id]
        agrees = procedure.meeting_agrees(agreed, attending)
        MeetingVote.objects.create(meeting=meeting, case=case, agreed=agreed, agrees=agrees)
        case.meeting, case.agreed = meeting, agreed
        case.step = Step.AGREED if agrees else Step.REREVIEW
        _save(case, user, "Họp thôn")
    return meeting


# --- Posting, complaints (steps 5-6) ------------------------------------------------------------


def _posting(user: User, village: Village, year: int, posted_on: date, kind: str) -> Posting:
    if posted_on.year != year:
        raise ValidationError(f"Ngày niêm yết phải trong năm {year}.")
    posting = Posting(
        commune=village.commune,
        village=village,
        year=year,
        kind=kind,
        posted_on=posted_on,
        ends_on=procedure.posting_ends(posted_on, calendar_for(posted_on)),
        recorded_by=user,
    )
    posting._history_user = user
    posting.save()
    return posting


@transaction.atomic
def posting_open(*, user: User, village: Village, year: int, posted_on: date) -> Posting:
    """Post the village's agreed households (3 working days, village hall and commune)."""
    _require(user, village.commune, year)
    cases = list(ReviewCase.objects.select_for_update().filter(village=village, year=year, step=Step.AGREED))
    if not cases:
        raise ValidationError(f"{village.name}: chưa có hộ nào được họp thôn đồng ý để niêm yết.")
    if any(c.meeting.held_on > posted_on for c in cases):
        raise ValidationError("Ngày niêm yết không được trước ngày họp thôn.")
    posting = _posting(user, village, year, posted_on, PostingKind.LIST)
    for case in cases:
        case.posting, case.step = posting, Step.POSTED
        _save(case, user, "Niêm yết công khai")
    return posting


@transaction.atomic
def complaint_lodge(
    *,
    user: User,
    household: Household,
    year: int,
    lodged_on: date,
    complainant: str,
    ground: str,
    details: str = "",
) -> Complaint:
    """A complaint about a household's review. A household said to be left out gets its case
    opened (it goes on the list); the re-check is due in 7 working days."""
    _require(user, household.commune, year)
    if not complainant.strip():
        raise ValidationError("Hãy ghi họ tên người khiếu nại.")
    if lodged_on.year != year:
        raise ValidationError(f"Ngày khiếu nại phải trong năm {year}.")
    case = ReviewCase.objects.filter(household=household, year=year).first()
    if case is None:
        (case,) = cases_open(user=user, commune=household.commune, year=year, households=[household])
    case = _locked_case(case)
    complaint = Complaint(
        case=case,
        lodged_on=lodged_on,
        complainant=complainant.strip(),
        ground=ground,
        details=details.strip(),
        recheck_due=procedure.recheck_due(lodged_on, calendar_for(lodged_on)),
        recorded_by=user,
    )
    complaint._history_user = user
    complaint.full_clean(exclude=["case", "recorded_by", "reposting"])
    complaint.save()
    return complaint


@transaction.atomic
def complaint_settle(
    *, user: User, complaint: Complaint, rechecked_on: date, result: str, reposted_on: date
) -> Complaint:
    """The re-check's result and its posting (3 working days): the complaint is then settled."""
    case = complaint.case
    _require(user, case.commune, case.year)
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if not complaint.is_open:
        raise ValidationError("Khiếu nại này đã được giải quyết.")
    if not result.strip():
        raise ValidationError("Hãy ghi kết quả phúc tra.")
    if rechecked_on < complaint.lodged_on:
        raise ValidationError("Ngày phúc tra không được trước ngày khiếu nại.")
    if reposted_on < rechecked_on:
        raise ValidationError("Ngày niêm yết lại không được trước ngày phúc tra.")
    complaint.rechecked_on, complaint.result = rechecked_on, result.strip()
    complaint.reposting = _posting(user, case.village, case.year, reposted_on, PostingKind.RECHECK)
    complaint._history_user = user
    complaint.save()
    return complaint


# --- Recognition or refusal (step 7) -----------------------------------------------------------


def recognition_blockers(case: ReviewCase, on: date) -> list[str]:
    """Why the household cannot be recognised on `on` (empty: it can)."""
    reasons = []
    if case.step != Step.POSTED:
        reasons.append(f"chưa niêm yết ({case.get_step_display().lower()})")
    elif case.posting.ends_on >= on:
        reasons.append(f"đang niêm yết đến hết ngày {case.posting.ends_on:%d/%m/%Y}")
    for complaint in case.complaints.select_related("reposting"):
        if complaint.is_open:
            reasons.append(f"còn khiếu nại ngày {complaint.lodged_on:%d/%m/%Y} chưa giải quyết")
        elif complaint.reposting.ends_on >= on:
            reasons.append(
                f"kết quả phúc tra đang niêm yết đến hết ngày {complaint.reposting.ends_on:%d/%m/%Y}"
            )
    return reasons


@transaction.atomic
def cases_recognise(*, user: User, cases: list[ReviewCase], on: date, decision: str) -> None:
    """Mark the households the chair's decision recognises (called when it is issued)."""
    for case in cases:
        _require(user, case.commune, case.year)
        case = _locked_case(case)
        reasons = recognition_blockers(case, on)
        if reasons:
            raise ValidationError(
                f"Hộ {case.household.code} ({case.household.head_name}): {'; '.join(reasons)}."
            )
        case.step, case.decided_on, case.decision = Step.RECOGNISED, on, decision
        _save(case, user, f"Công nhận: {decision}")


@transaction.atomic
def case_refuse(
    *, user: User, case: ReviewCase, on: date, reason: str, expected_version: int | None
) -> ReviewCase:
    """A written refusal with its reasons, for a household not recognised."""
    _require(user, case.commune, case.year)
    case = _locked_case(case, expected_version)
    if not reason.strip():
        raise ValidationError("Văn bản trả lời phải nêu rõ lý do không công nhận.")
    if case.complaints.filter(reposting__isnull=True).exists():
        raise ValidationError("Còn khiếu nại chưa giải quyết: phúc tra xong mới trả lời được.")
    if on.year != case.year:
        raise ValidationError(f"Ngày trả lời phải trong năm {case.year}.")
    case.step, case.decided_on, case.refusal_reason = Step.REFUSED, on, reason.strip()
    _save(case, user, "Không công nhận")
    return case
