import uuid
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from households import privacy
from households.carrying import can_carry, carry_plan, registry_carry, village_placements_save
from households.changes import household_changes
from households.classification import HouseholdClass
from households.ethnicities import ETHNICITY_NAMES
from households.exporting import (
    LIST_TITLES,
    household_list_csv,
    household_list_export,
    import_template,
    list_reviews,
    posting_export,
    posting_reviews,
    statistics_export,
)
from households.forms import (
    HouseholdForm,
    ImportUploadForm,
    MemberFormSet,
    MergeForm,
    MoveForm,
    ReviewForm,
    SplitForm,
    review_years,
)
from households.identity import conflict_resolve
from households.import_jobs import (
    import_job_check,
    import_job_claim,
    import_job_commit,
    import_job_create,
    import_job_enqueue,
    import_job_reap,
    progress,
    runs_in_background,
)
from households.indicators import INDICATORS
from households.models import (
    Cause,
    Household,
    HouseholdReview,
    ImportJob,
    PersonalDataExport,
    PovertyStandard,
    Resolution,
)
from households.moves import (
    destination_commune,
    household_merge,
    household_move,
    household_split,
    merge_target,
)
from households.selectors import (
    citizen_id_conflicts,
    household_rows,
    moves_of,
    recorded_villages,
    registry_stats,
)
from households.services import StaleEditError, derived_indicators, household_save, review_save
from households.tasks import check_import, commit_import
from povertyprog.accounts.models import Role
from povertyprog.accounts.scoping import (
    can_enter_data,
    get_scoped_or_404,
    requested_unit,
    visible_units,
)
from povertyprog.approvals import LockedError, lock_message, unapproved_units
from povertyprog.lib.charts import bar_chart
from povertyprog.lib.formatting import format_number
from povertyprog.lib.spreadsheets import XLSX, RefusedFile
from povertyprog.units.models import Level

PAGE_SIZE = 50


def _this_year() -> int:
    return timezone.localdate().year


def _default_year() -> int:
    """The periodic review of year Y ends in December: until then, last year's lists are current."""
    today = timezone.localdate()
    return today.year if today.month == 12 else today.year - 1


def requested_year(request) -> int:
    """?nam= (404 outside the years a review can have), else the current review year."""
    raw = request.GET.get("nam", "")
    if not raw:
        return _default_year()
    if not raw.isdigit() or int(raw) not in review_years():
        raise Http404("Năm không hợp lệ.")
    return int(raw)


def _household_for_user(request, pk: int) -> Household:
    queryset = Household.objects.select_related("commune", "commune__parent")
    return get_scoped_or_404(queryset, request.user, "commune", pk=pk)


@login_required
def household_list(request):
    unit, year = requested_unit(request), requested_year(request)
    query = request.GET.get("q", "").strip()
    households = household_rows(
        request.user, unit, year, query=query, village=request.GET.get("thon", ""),
        classification=request.GET.get("phan_loai", ""), indicator=request.GET.get("chi_so", ""),
        cause=request.GET.get("nguyen_nhan", ""), minority_only=request.GET.get("dtts") == "1",
    )  # fmt: skip
    page = Paginator(households, PAGE_SIZE).get_page(request.GET.get("trang"))
    villages = recorded_villages(unit)
    params = request.GET.copy()
    params.pop("trang", None)
    return render(
        request,
        "households/list.html",
        {
            "unit": unit,
            "year": year,
            "page": page,
            "query": query,
            "villages": villages,
            "classes": [*HouseholdClass.choices, ("recently_escaped", "Hộ mới thoát nghèo")],
            "indicators": INDICATORS,
            "causes": Cause.choices,
            "filters": request.GET,
            "querystring": params.urlencode(),
            "can_create": unit.level == Level.COMMUNE and can_enter_data(request.user, unit),
            "can_export": privacy.may_export_lists(request.user),
        },
    )


@login_required
def household_detail(request, pk: int):
    household = _household_for_user(request, pk)
    reviews = list(household.reviews.select_related("standard").order_by("-year"))
    history = household_changes(household)
    return render(
        request,
        "households/detail.html",
        {
            "household": household,
            "members": list(household.members.all()),
            "reviews": reviews,
            "history": history,
            "ethnicity": ETHNICITY_NAMES.get(household.ethnicity, ""),
            "can_edit": can_enter_data(request.user, household.commune),
            # The year after the last review, never beyond this year's review.
            "next_year": min(max([r.year for r in reviews], default=_default_year() - 1) + 1, _this_year()),
            "this_year_done": any(r.year == _this_year() for r in reviews),
        },
    )


def _save_household(request, form, formset, expected_version) -> Household | None:
    try:
        return household_save(
            user=request.user,
            household=form.save(commit=False),
            expected_version=expected_version,
            members_formset=formset,
        )
    except StaleEditError as error:
        form.add_error(None, str(error))
    except ValidationError as error:
        _add_errors(form, error)
    return None


SAVED_TOKENS = "saved_household_forms"  # session: form token -> household created with it


@login_required
def household_create(request):
    unit = get_object_or_404(visible_units(request.user), pk=request.user.unit_id or 0)
    if not (unit.level == Level.COMMUNE and can_enter_data(request.user, unit)):
        raise PermissionDenied("Chỉ cán bộ cấp xã được thêm hộ gia đình.")
    token = request.POST.get("submission", "")
    saved = request.session.get(SAVED_TOKENS, {})
    if token in saved:  # the same form sent again (double click, back and resend)
        messages.info(request, "Hộ này đã được lưu rồi; không tạo thêm hộ trùng.")
        return redirect("households:detail", pk=saved[token])
    household = Household(commune=unit)
    form = HouseholdForm(request.POST or None, instance=household, initial={"submission": uuid.uuid4().hex})
    formset = MemberFormSet(request.POST or None, instance=household, prefix="members")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        created = _save_household(request, form, formset, None)
        if created:
            if token:
                request.session[SAVED_TOKENS] = dict([*saved.items(), (token, created.pk)][-20:])
            messages.success(request, f"Đã thêm hộ {created.head_name}.")
            _warn_duplicates(request, created)
            return redirect("households:detail", pk=created.pk)
    return render(
        request,
        "households/form.html",
        {"form": form, "formset": formset, "unit": unit, "household": None},
    )


@login_required
def household_edit(request, pk: int):
    household = _household_for_user(request, pk)
    if not can_enter_data(request.user, household.commune):
        raise PermissionDenied("Bạn chỉ được xem hộ này.")
    form = HouseholdForm(request.POST or None, instance=household)
    formset = MemberFormSet(request.POST or None, instance=household, prefix="members")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        saved = _save_household(request, form, formset, form.cleaned_data.get("version"))
        if saved:
            messages.success(request, "Đã lưu thay đổi.")
            _warn_duplicates(request, saved)
            return redirect("households:detail", pk=saved.pk)
    return render(
        request,
        "households/form.html",
        {"form": form, "formset": formset, "unit": household.commune, "household": household},
    )


@login_required
def review_edit(request, pk: int, year: int):
    household = _household_for_user(request, pk)
    if year not in review_years():
        raise Http404("Năm rà soát không hợp lệ.")
    if not can_enter_data(request.user, household.commune):
        raise PermissionDenied("Bạn chỉ được xem hộ này.")
    review = household.reviews.filter(year=year).first() or HouseholdReview(
        household=household, year=year, review_date=_default_review_date(year)
    )
    on = review.review_date or date(year, 12, 31)
    read_only = lock_message(household.commune, year)
    if read_only and request.method == "POST":
        raise LockedError(read_only)
    form = ReviewForm(
        request.POST or None, instance=review, derived=derived_indicators(household, on), read_only=read_only
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = review_save(
                user=request.user,
                household=household,
                review=form.save(commit=False),
                override_reasons=form.override_reasons(),
                opened_at=form.cleaned_data["opened_at"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        except StaleEditError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, f"Đã lưu kết quả rà soát năm {saved.year}: {saved.get_classification_display()}."
            )
            return redirect("households:detail", pk=household.pk)
    standard = PovertyStandard.objects.filter(first_year__lte=year, last_year__gte=year).first()
    return render(
        request,
        "households/review_form.html",
        {
            "form": form,
            "household": household,
            "year": year,
            "standard": standard,
            "lines": standard.values(household.commune.area) if standard else None,
        },
    )


def _default_review_date(year: int) -> date | None:
    """Today when it can be the review's date (the year or the first quarter after); else blank:
    a past year's review is typed with its own date, never one the form then refuses."""
    today = timezone.localdate()
    return today if date(year, 1, 1) <= today <= date(year + 1, 3, 31) else None


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
def registry_statistics(request):
    unit, year = requested_unit(request), requested_year(request)
    stats = registry_stats(unit, year)
    chart = bar_chart(
        f"Tỷ lệ hộ nghèo thiếu hụt từng chỉ số năm {year}",
        [(f"{i['number']}. {i['name']}", i["poor_rate"]) for i in stats["indicators"]],
    )
    return render(
        request,
        "households/stats.html",
        {"unit": unit, "year": year, "stats": stats, "breadcrumb": unit.ancestors(), "chart": chart},
    )


# --- Excel: import and export -------------------------------------------------------------


def _download(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def import_template_download(request):
    unit = request.user.unit
    code = unit.code if unit is not None and unit.level == Level.COMMUNE else ""
    return _download(import_template(code), "mau-danh-sach-ho-gia-dinh.xlsx")


def _purpose_or_none(request) -> str | None:
    purpose = request.GET.get("muc_dich", "")
    return purpose if purpose in privacy.Purpose.values else None


@login_required
def household_list_download(request):
    """A list of named people leaves the system: only for the roles whose work needs it, for a
    purpose chosen here, logged; ID numbers whole only for the commune's own officers."""
    unit, year = requested_unit(request), requested_year(request)  # 404 outside the user's subtree
    if not privacy.may_export_lists(request.user):
        raise PermissionDenied("Vai trò của bạn không được tải danh sách có thông tin cá nhân.")
    kind = request.GET.get("phan_loai", "")
    if kind not in LIST_TITLES:
        kind = ""
    file_format = "csv" if request.GET.get("dinh_dang") == "csv" else "xlsx"
    purpose = _purpose_or_none(request)
    if purpose is None:
        params = request.GET.copy()
        params.pop("muc_dich", None)
        return render(
            request,
            "households/export_purpose.html",
            {"unit": unit, "year": year, "params": params.items(), "purposes": privacy.Purpose.choices,
             "title": LIST_TITLES[kind], "count": list_reviews(unit, year, kind).count()},
        )  # fmt: skip
    whole_ids = privacy.shows_ids_whole(request.user, unit)
    name = f"danh-sach-ho-{unit.code}-{year}"
    if file_format == "csv":  # the households sheet only: no member, no ID number
        response = HttpResponse(household_list_csv(unit, year, kind), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    else:
        response = _download(household_list_export(unit, year, kind, mask_ids=not whole_ids), f"{name}.xlsx")
    privacy.export_record(
        user=request.user, unit=unit, kind=PersonalDataExport.Kind.LIST, year=year,
        rows=list_reviews(unit, year, kind).count(), file_format=file_format, purpose=purpose,
        filter=kind, ids_shown=whole_ids and file_format == "xlsx",
    )  # fmt: skip
    return response


@login_required
def posting_download(request):
    """The public posting list of the commune's poor and near-poor households (name, village, class)."""
    unit, year = request.user.unit, requested_year(request)
    if unit is None or not privacy.may_export_posting(request.user, unit):
        raise PermissionDenied("Danh sách niêm yết do cán bộ xã của đơn vị tải.")
    response = _download(posting_export(unit, year), f"niem-yet-ho-ngheo-{unit.code}-{year}.xlsx")
    privacy.export_record(
        user=request.user, unit=unit, kind=PersonalDataExport.Kind.POSTING, year=year,
        rows=posting_reviews(unit, year).count(), file_format="xlsx", purpose="niem_yet",
    )  # fmt: skip
    return response


@login_required
def export_log(request):
    """Every list of people taken out of the system in the user's subtree (province, administrator)."""
    if not privacy.may_read_export_log(request.user):
        raise PermissionDenied("Nhật ký xuất dữ liệu cá nhân do cấp tỉnh và quản trị hệ thống xem.")
    params = request.GET.copy()
    params.pop("trang", None)
    return render(
        request,
        "households/export_log.html",
        {
            "page": Paginator(privacy.export_log(request.user), PAGE_SIZE).get_page(request.GET.get("trang")),
            "querystring": params.urlencode(),
            "purposes": {**dict(privacy.Purpose.choices), "niem_yet": "Niêm yết công khai"},
        },
    )


@login_required
def import_upload(request):
    unit = request.user.unit
    if not (unit and unit.level == Level.COMMUNE and can_enter_data(request.user, unit)):
        raise PermissionDenied("Chỉ cán bộ cấp xã được nhập danh sách hộ.")
    form = ImportUploadForm(request.POST or None, request.FILES or None, initial={"year": _default_year()})
    if request.method == "POST" and form.is_valid():
        try:
            job = import_job_create(
                user=request.user, unit=unit, year=form.cleaned_data["year"], upload=form.cleaned_data["file"]
            )
        except RefusedFile as error:
            form.add_error("file", str(error))
        else:
            if runs_in_background(job):
                import_job_enqueue(job, check_import)
            else:
                import_job_check(job.pk)
            return redirect("households:import_job", pk=job.pk)
    jobs = ImportJob.objects.filter(user=request.user)[:10]
    return render(request, "households/import_upload.html", {"form": form, "unit": unit, "jobs": jobs})


def _job_for_user(request, pk: int) -> ImportJob:
    """The user's own job; one whose process died is ended first (import_job_reap)."""
    return import_job_reap(
        get_object_or_404(ImportJob.objects.select_related("unit"), pk=pk, user=request.user)
    )


@login_required
def import_job_detail(request, pk: int):
    job = _job_for_user(request, pk)
    return render(request, "households/import_job.html", {"job": job, "progress": progress(job)})


@login_required
@require_POST
def import_job_confirm(request, pk: int):
    job = _job_for_user(request, pk)
    already = "Tệp này đang được nhập hoặc đã nhập rồi (bấm xác nhận hai lần?)."
    if job.status in (ImportJob.Status.IMPORTING, ImportJob.Status.DONE):
        messages.warning(request, already)
    elif not job.can_confirm:
        messages.error(request, "Tệp này chưa thể nhập: hãy xem lại kết quả kiểm tra.")
    elif not import_job_claim(job):  # another tab confirmed between the two lines above
        messages.warning(request, already)
    elif runs_in_background(job):
        import_job_enqueue(job, commit_import)
    else:
        job = import_job_commit(job.pk)
        if job.status == ImportJob.Status.DONE:
            messages.success(
                request, f"Đã nhập: thêm {job.created_count} hộ, cập nhật {job.updated_count} hộ."
            )
    return redirect("households:import_job", pk=pk)


@login_required
def import_job_status(request, pk: int):
    job = _job_for_user(request, pk)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.status_label,
            "problems": job.problem_count,
            **progress(job),
        }
    )


@login_required
def statistics_download(request):
    unit, year = requested_unit(request), requested_year(request)
    content = statistics_export(unit, year, unapproved_units(unit, year))
    return _download(content, f"bieu-tong-hop-{unit.code}-{year}.xlsx")


@login_required
def registry_carry_page(request):
    """The 2025 arrangement for the user's province or commune of the new tree: households per
    old -> new commune, villages of split communes to place, then one confirmed carry."""
    scope = request.user.unit
    if scope is None or not can_carry(request.user, scope):
        raise PermissionDenied(
            "Chỉ cán bộ cấp tỉnh, cấp xã của cây đơn vị từ 01/7/2025 được chuyển sổ hộ sang đơn vị mới."
        )
    if request.method == "POST":
        try:
            if request.POST.get("action") == "carry":
                plan = registry_carry(user=request.user, scope=scope)
                if plan.households:
                    messages.success(
                        request, f"Đã chuyển {format_number(plan.households)} hộ sang các xã mới."
                    )
                else:
                    messages.info(request, "Không còn hộ nào cần chuyển.")
            else:
                village_placements_save(user=request.user, choices=_placement_choices(request.POST))
                messages.success(request, "Đã lưu phân thôn về xã mới.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("households:carry")
    return render(request, "households/carry.html", {"scope": scope, "plan": carry_plan(scope)})


def _placement_choices(data) -> list[tuple[int, int, str]]:
    """The page's selects "old id|new id|village" (new id empty: not chosen yet)."""
    choices = []
    for value in data.getlist("place"):
        old_id, new_id, village = value.split("|", 2) if value.count("|") >= 2 else ("", "", "")
        if old_id.isdigit() and new_id.isdigit():
            choices.append((int(old_id), int(new_id), village))
    return choices


MOVE_FORMS = {"move": MoveForm, "split": SplitForm, "merge": MergeForm}


@login_required
def household_moves(request, pk: int):
    """Chuyển đi, tách hộ, nhập hộ of one household, and the moves it took part in."""
    household = _household_for_user(request, pk)
    can_edit = can_enter_data(request.user, household.commune) and not household.merged_into_id
    members = list(household.members.all())
    if request.method == "POST" and not can_edit:
        raise PermissionDenied("Bạn chỉ được xem hộ này.")
    action = request.POST.get("action") if request.method == "POST" else None
    forms_ = {}
    for name, form_class in MOVE_FORMS.items():
        data = request.POST if action == name else None
        extra = {"members": members} if form_class is SplitForm else {}
        forms_[name] = form_class(data, initial={"version": household.version}, prefix=name, **extra)
    if action in forms_ and forms_[action].is_valid():
        form = forms_[action]
        try:
            message = _record_move(request.user, household, action, form.cleaned_data)
        except StaleEditError as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, message)
            if action == "move":  # the household is the other commune's now
                return redirect("households:list")
            return redirect("households:detail", pk=household.pk)
    return render(
        request,
        "households/moves.html",
        {"household": household, "forms": forms_, "moves": moves_of(household), "can_edit": can_edit},
    )


def _record_move(user, household: Household, action: str, data: dict) -> str:
    if action == "move":
        to = destination_commune(data["to_commune"], household)
        household_move(
            user=user, household=household, to_commune=to, village=data["village"],
            moved_on=data["moved_on"], expected_version=data["version"], note=data["note"],
        )  # fmt: skip
        return f"Đã ghi hộ {household.code} chuyển đến {to.name}."
    if action == "split":
        new = household_split(
            user=user, household=household, member_ids=data["members"], head_id=data["head"],
            village=data["village"], moved_on=data["moved_on"], expected_version=data["version"],
        )  # fmt: skip
        return f"Đã tách hộ mới {new.code} ({new.head_name})."
    household_merge(
        user=user, household=household, into=merge_target(user, data["into"]), moved_on=data["moved_on"],
        expected_version=data["version"],
    )  # fmt: skip
    return f"Đã nhập hộ {household.code} vào hộ {data['into']}."


@login_required
def citizen_id_queue(request):
    """Duplicated personal ID numbers waiting for the units involved to say who keeps the person."""
    if request.method == "POST" and request.user.role != Role.COMMUNE_OFFICER:
        raise PermissionDenied("Chỉ cán bộ nhập liệu của xã có hộ liên quan giải quyết trùng số định danh.")
    if request.method == "POST":
        pk = request.POST.get("conflict", "")
        try:
            conflict_resolve(
                user=request.user,
                conflict_id=int(pk) if pk.isdigit() else 0,
                resolution=request.POST.get("resolution", ""),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Đã giải quyết trường hợp trùng số định danh.")
        return redirect("households:id_queue")
    conflicts = list(citizen_id_conflicts(request.user).order_by("raised_at", "id"))
    for conflict in conflicts:
        conflict.masked = privacy.mask_id(conflict.citizen_id)
    return render(
        request, "households/id_queue.html", {"conflicts": conflicts, "resolutions": Resolution.choices}
    )


def _warn_duplicates(request, household: Household) -> None:
    waiting = citizen_id_conflicts(request.user).filter(claimant_household=household)
    for conflict in waiting:
        messages.warning(
            request,
            f"Số định danh của {conflict.claimant_name} đã có ở một hộ khác "
            f"({conflict.holder_household.commune.name}): thành viên được lưu không kèm số, chờ hai đơn vị "
            "xác định người này thuộc hộ nào (mục “Trùng số định danh”).",
        )
