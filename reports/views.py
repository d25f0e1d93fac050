"""Reporting cycle pages: periods, a unit's dashboard for a period, a submission with its history
and the diff since the last approval, targets, notifications. Views are thin: reports.cycle
decides, reports.selectors sums."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from households.classification import HouseholdClass
from households.season_selectors import season_overview
from povertyprog.accounts.scoping import DATA_ENTRY_ROLES, REVIEWER_ROLES, get_scoped_or_404, requested_unit
from povertyprog.lib.charts import bar_chart
from povertyprog.units.models import Level
from reports import cycle
from reports.models import ReportingPeriod, Submission
from reports.selectors import (
    cycle_status,
    dashboard_figures,
    diff_since_approval,
    home_todo,
    indicator_targets,
    submission_completeness,
    target_rows,
)
from reports.targets import indicator_targets_save, targets_save

INTERRUPTED = (
    "Thao tác bị gián đoạn do mất kết nối cơ sở dữ liệu; chưa có gì thay đổi. Hãy thử lại sau ít phút."
)
ACTIONS = {
    "gui": (cycle.submission_submit, "Đã gửi báo cáo."),
    "duyet": (cycle.submission_approve, "Đã phê duyệt."),
    "tra-lai": (cycle.submission_return, "Đã trả lại kèm lý do."),
    "mo-lai": (cycle.submission_reopen, "Đã mở lại cho đơn vị sửa."),
    "rut-lai": (cycle.submission_withdraw, "Đã rút hồ sơ về: số liệu được mở để sửa; gửi lại khi xong."),
}
REASONED = ("tra-lai", "mo-lai", "rut-lai")


@login_required
def period_list(request):
    periods = ReportingPeriod.objects.all()
    return render(request, "reports/periods.html", {"periods": periods, "unit": request.user.unit})


@login_required
def dashboard(request, code: str):
    period = get_object_or_404(ReportingPeriod, code=code)
    unit = requested_unit(request)
    official = request.GET.get("so_lieu") != "tam-tinh"
    status = cycle_status(unit, period)
    figures = dashboard_figures(unit, period, official) if unit.level != 3 else None
    chart = None
    if figures and figures["rows"]:
        chart = bar_chart(
            f"Tỷ lệ hộ nghèo năm {period.year}" + ("" if official else " (tạm tính)"),
            [(r["unit"].name, r["poor_rate"] if r["households"] else None) for r in figures["rows"]],
            target=[r["target_end_rate"] for r in figures["rows"]],
        )
    children = [c for c in unit.children.all()[:1]]
    return render(
        request,
        "reports/dashboard.html",
        {
            "period": period,
            "unit": unit,
            "status": status,
            "figures": figures,
            "chart": chart,
            "official": official,
            "breadcrumb": unit.ancestors(),
            "own": status["unit"],
            "can_submit": cycle.can_submit(request.user, unit),
            "decides_children": bool(children) and cycle.can_decide(request.user, children[0]),
            "today": timezone.localdate(),
            "closed": cycle.period_closed_message(period),
            "indicator_targets": indicator_targets(unit, period, official),
        },
    )


def _submission(request, pk: int) -> Submission:
    queryset = Submission.objects.select_related("unit", "period", "submitted_by", "decided_by")
    return get_scoped_or_404(queryset, request.user, "unit", pk=pk)


@login_required
def submission_detail(request, pk: int):
    submission = _submission(request, pk)
    return render(
        request,
        "reports/submission.html",
        {
            "s": submission,
            "events": submission.events.select_related("user"),
            "diff": diff_since_approval(submission),
            "last_event": submission.events.select_related("user").order_by("-at", "-pk").first(),
            "completeness": submission_completeness(submission.unit, submission.period.year),
            "closed": cycle.period_closed_message(submission.period),
            "can_submit": cycle.can_submit(request.user, submission.unit),
            "can_decide": cycle.can_decide(request.user, submission.unit),
            "class_labels": dict(HouseholdClass.choices),
        },
    )


@login_required
@require_POST
def submission_action(request, pk: int, action: str):
    submission = _submission(request, pk)
    if action not in ACTIONS:
        raise PermissionDenied("Thao tác không hợp lệ.")
    function, done = ACTIONS[action]
    arguments = {"user": request.user, "submission": submission}
    if action in REASONED:
        arguments["reason"] = request.POST.get("reason", "")
    if (
        action == "gui"
        and request.POST.get("xac_nhan") != "1"
        and cycle.can_submit(request.user, submission.unit)
    ):
        messages.error(request, "Hãy xem mức độ đầy đủ của hồ sơ và đánh dấu xác nhận trước khi gửi.")
        return redirect("reports:submission", pk=submission.pk)
    try:
        version = int(request.POST.get("version", ""))
        function(**arguments, expected_version=version)
    except ValueError:
        messages.error(request, "Trang đã cũ: hãy tải lại.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except cycle.StaleDecisionError as error:
        messages.error(request, error.message)
    except DatabaseError:
        if connection.connection is not None and not connection.is_usable():
            connection.close()  # dropped by the server: the transaction was rolled back, nothing changed
        messages.error(request, INTERRUPTED)
    else:
        messages.success(request, done)
    return redirect("reports:submission", pk=submission.pk)


@login_required
def open_submission(request, code: str):
    """The user's own unit's submission of a period (created as a draft the first time)."""
    period = get_object_or_404(ReportingPeriod, code=code)
    if request.user.unit is None:
        raise PermissionDenied("Quản trị hệ thống không có hồ sơ báo cáo.")
    if request.user.role in DATA_ENTRY_ROLES:
        submission = cycle.submission_for(request.user.unit, period)
    else:  # a viewer opens what exists; only the unit's officers start a submission
        submission = get_object_or_404(Submission, unit=request.user.unit, period=period)
    return redirect("reports:submission", pk=submission.pk)


@login_required
@require_POST
def approve_all(request, code: str):
    period = get_object_or_404(ReportingPeriod, code=code)
    unit = requested_unit(request)
    if request.user.role not in REVIEWER_ROLES:
        raise PermissionDenied("Chỉ cán bộ cấp huyện, cấp tỉnh phê duyệt hồ sơ của đơn vị cấp dưới.")
    try:
        count = cycle.submissions_approve_children(user=request.user, unit=unit, period=period)
    except (ValidationError, cycle.StaleDecisionError) as error:
        messages.error(request, getattr(error, "message", None) or " ".join(error.messages))
    else:
        messages.success(request, f"Đã phê duyệt {count} đơn vị.")
    return redirect(f"{request.path.rsplit('/duyet-tat-ca/', 1)[0]}/?don_vi={unit.pk}")


class TargetForm(forms.Form):
    households_start = forms.IntegerField(min_value=0, required=False, label="Tổng số hộ đầu kỳ")
    poor_start = forms.IntegerField(min_value=0, required=False, label="Hộ nghèo đầu kỳ")
    planned_reduction = forms.IntegerField(required=False, label="Phấn đấu giảm (hộ)")
    near_poor_start = forms.IntegerField(min_value=0, required=False, label="Hộ cận nghèo đầu kỳ")
    planned_near_poor_reduction = forms.IntegerField(required=False, label="Phấn đấu giảm hộ cận nghèo")


@login_required
def targets(request, code: str):
    period = get_object_or_404(ReportingPeriod, code=code)
    unit = request.user.unit
    if unit is None or not cycle.can_decide(request.user, unit.children.first() or unit):
        raise PermissionDenied("Chỉ cấp giao chỉ tiêu (cấp trên trực tiếp) được nhập chỉ tiêu.")
    rows = target_rows(unit, period)
    prefix = {row["unit"].pk: f"u{row['unit'].pk}" for row in rows}
    data = request.POST if request.method == "POST" else None
    for row in rows:
        row["form"] = TargetForm(data, prefix=prefix[row["unit"].pk], initial=row["initial"])
    if data is not None and all(row["form"].is_valid() for row in rows):
        try:
            targets_save(
                user=request.user,
                period=period,
                values={row["unit"].pk: row["form"].cleaned_data for row in rows},
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Đã lưu chỉ tiêu.")
            return redirect("reports:dashboard", code=period.code)
    return render(request, "reports/targets.html", {"period": period, "unit": unit, "rows": rows})


@login_required
def notifications(request):
    items = list(request.user.notifications.all()[:100])
    if request.method == "POST":
        request.user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("reports:notifications")
    return render(request, "reports/notifications.html", {"items": items})


@login_required
def indicator_targets_page(request, code: str):
    """The unit's own plan targets per deprivation indicator (percent of poor households not deprived)."""
    period = get_object_or_404(ReportingPeriod, code=code)
    unit = request.user.unit
    if unit is None or not cycle.can_submit(request.user, unit):
        raise PermissionDenied("Chỉ cán bộ của đơn vị được đặt chỉ tiêu trong kế hoạch của đơn vị.")
    rows = indicator_targets(unit, period)
    fields = {
        row["field"]: forms.DecimalField(
            localize=True,
            required=False,
            min_value=0,
            max_value=100,
            decimal_places=2,
            label=f"{row['number']}. {row['name']}",
            error_messages={
                "max_value": "Tối đa 100%%.",
                "min_value": "Không được âm.",
                "invalid": "Nhập số phần trăm, ví dụ 100 hoặc 95,5.",
            },
        )
        for row in rows
    }
    form = type("IndicatorTargetForm", (forms.Form,), fields)(
        request.POST or None, initial={row["field"]: row["target"] for row in rows}
    )
    if request.method == "POST" and form.is_valid():
        indicator_targets_save(user=request.user, unit=unit, period=period, values=form.cleaned_data)
        messages.success(request, "Đã lưu chỉ tiêu theo chỉ số.")
        return redirect("reports:dashboard", code=period.code)
    return render(request, "reports/indicator_targets.html", {"period": period, "unit": unit, "form": form})


@login_required
def home(request):
    """The user's to-do: the review season's next steps and late items (commune staff), the open
    periods and their deadlines, returned reports, reports waiting for a decision, notifications."""
    if request.user.unit is None:
        return redirect("units:index")
    today = timezone.localdate()
    unit = request.user.unit
    season = None
    if unit.level == Level.COMMUNE and unit.valid_to is None:
        season = season_overview(unit, today.year, today)["total"]
    return render(
        request,
        "reports/home.html",
        {"unit": unit, "today": today, "season": season, "year": today.year} | home_todo(request.user, today),
    )
