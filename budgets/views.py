"""Budget pages: the overview of a unit's subtree, and the entry forms of the user's own unit.

Views are thin: forms parse the cells, budgets.services checks and writes, budgets.selectors sums.
"""

import tempfile
import uuid
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from budgets import forms as budget_forms
from budgets.catalogue_exchange import catalogue_import, catalogue_workbook
from budgets.exchange import budget_import, budget_template, overview_export
from budgets.models import (
    ActivityOutput,
    BudgetLine,
    Component,
    Mobilisation,
    OutputKind,
    PolicyResult,
    Program,
    Source,
)
from budgets.selectors import BREAKDOWN_FIELDS, budget_overview, catalogue_of
from budgets.services import (
    StaleDataError,
    budget_grid_save,
    leaf_components,
    mobilisations_save,
    outputs_save,
    policy_results_save,
    stamp,
)
from povertyprog.accounts.scoping import can_enter_data, requested_unit, scoped
from povertyprog.lib.charts import bar_chart
from povertyprog.lib.money import format_million
from povertyprog.lib.spreadsheets import XLSX, RefusedFile, check_upload, upload_dir, upload_store

FIRST_YEAR, LAST_YEAR = 2021, 2035


def _year(request) -> int:
    """?nam=, else the latest year with budget figures in the user's scope, else this year."""
    raw = request.GET.get("nam") or request.POST.get("nam")
    if raw:
        try:
            year = int(raw)
        except ValueError:
            raise Http404("Năm không hợp lệ.") from None
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise Http404("Năm không hợp lệ.")
        return year
    latest = (
        scoped(BudgetLine.objects.all(), request.user)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    return latest or timezone.localdate().year


def _program(year: int) -> Program:
    try:
        return Program.objects.for_year(year)
    except Program.DoesNotExist:
        raise Http404(f"Chưa có chương trình cho năm {year}.") from None


def _own_unit(request):
    unit = request.user.unit
    if unit is None or not can_enter_data(request.user, unit):
        raise PermissionDenied("Bạn không có quyền nhập số liệu ngân sách.")
    return unit


def _overview_url(year: int) -> str:
    return f"{reverse('budgets:overview')}?nam={year}"


@login_required
def overview(request):
    unit, year = requested_unit(request), _year(request)
    figures = budget_overview(unit, year)
    editable = can_enter_data(request.user, unit)
    return render(
        request,
        "budgets/overview.html",
        {
            "unit": unit,
            "year": year,
            "o": figures,
            "by_year": figures.by_year,
            "chart": bar_chart(
                f"Tỷ lệ giải ngân theo dự án năm {year}",
                [(p.component.label, p.total.disbursement_rate) for p in figures.projects],
            )
            if figures.projects
            else None,
            "editable": editable,
            "leaves": leaf_components(figures.program, unit) if editable and figures.program else [],
            "source_labels": dict(Source.choices),
            "breadcrumb": unit.ancestors(),
        },
    )


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, problems in error.message_dict.items():
            form.add_error(name if name in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


def _warn(request, form, warnings: dict | None) -> None:
    for name, message in (warnings or {}).items():
        label = next((row.label for row in form.rows if name.startswith("__".join(row.key) + "__")), "")
        messages.warning(request, f"{label}: {message}" if label else message)


def _valid(request, form) -> bool:
    """A POSTed entry form whose cells all parse; if some do not, the rules are still checked on the
    rows that do, so every error shows at once."""
    if request.method != "POST":
        return False
    if form.is_valid():
        return True
    budget_forms.add_rule_errors(form)
    return False


def _saved(request, form, save, done: str, **arguments) -> bool:
    """Run a service save on a valid form of the user's own unit: a broken rule lands on its cell,
    a stale page on the form. True when saved (the success message is queued)."""
    try:
        result = save(user=request.user, opened=request.POST.get("opened", ""), **arguments)
    except ValidationError as error:
        _apply_errors(form, error)
    except StaleDataError as error:
        form.add_error(None, error.message)
    else:
        _warn(request, form, result.warnings)
        messages.success(request, done)
        return True
    return False


@login_required
def budget_grid(request, component_pk: int):
    unit, year = _own_unit(request), _year(request)
    program = _program(year)
    component = get_object_or_404(Component, pk=component_pk, program=program)
    if component not in leaf_components(program, unit):
        raise Http404("Dự án này không áp dụng cho đơn vị.")
    lines = list(BudgetLine.objects.filter(unit=unit, year=year, component=component))
    form = budget_forms.budget_grid_form(component, lines, request.POST if request.method == "POST" else None)
    if _valid(request, form):
        done = f"Đã lưu ngân sách {component.label.lower()} năm {year}."
        rows = budget_forms.grid_values(form)
        if _saved(
            request, form, budget_grid_save, done, unit=unit, year=year, component=component, rows=rows
        ):
            return redirect(_overview_url(year))
    return render(
        request,
        "budgets/grid.html",
        {
            "unit": unit,
            "year": year,
            "component": component,
            "form": form,
            "opened": stamp(lines),
            "stages": budget_forms.STAGE_LABELS,
        },
    )


@login_required
def policy_results(request):
    unit, year = _own_unit(request), _year(request)
    records = list(PolicyResult.objects.filter(unit=unit, year=year))
    form = budget_forms.policy_form(records, request.POST if request.method == "POST" else None)
    if _valid(request, form):
        done = f"Đã lưu kết quả thực hiện chính sách năm {year}."
        if _saved(
            request, form, policy_results_save, done, unit=unit, year=year, rows=budget_forms.row_values(form)
        ):
            return redirect(_overview_url(year))
    return render(
        request, "budgets/policies.html", {"unit": unit, "year": year, "form": form, "opened": stamp(records)}
    )


@login_required
def activity_outputs(request):
    unit, year = _own_unit(request), _year(request)
    program = _program(year)
    kinds = sorted(
        OutputKind.objects.filter(component__in=leaf_components(program, unit)).select_related(
            "component__parent"
        ),
        key=lambda k: ((k.component.parent or k.component).number, k.component.number, k.position, k.pk),
    )
    records = list(ActivityOutput.objects.filter(unit=unit, year=year))
    form = budget_forms.outputs_form(kinds, records, request.POST if request.method == "POST" else None)
    if _valid(request, form):
        done = f"Đã lưu kết quả hoạt động năm {year}."
        if _saved(
            request, form, outputs_save, done, unit=unit, year=year, rows=budget_forms.row_values(form)
        ):
            return redirect(_overview_url(year))
    return render(
        request,
        "budgets/outputs.html",
        {"unit": unit, "year": year, "form": form, "opened": stamp(records), "breakdown": BREAKDOWN_FIELDS},
    )


@login_required
def mobilisation(request):
    unit, year = _own_unit(request), _year(request)
    records = list(Mobilisation.objects.filter(unit=unit, year=year))
    if request.method == "POST":
        formset = budget_forms.MobilisationFormSet(request.POST)
        if formset.is_valid():
            rows = [f.cleaned_data for f in formset if f.cleaned_data.get("contributor")]
            try:
                mobilisations_save(
                    user=request.user, unit=unit, year=year, rows=rows, opened=request.POST.get("opened", "")
                )
            except ValidationError as error:
                formset._non_form_errors = formset.error_class(error.messages)
            except StaleDataError as error:
                formset._non_form_errors = formset.error_class([error.message])
            else:
                messages.success(request, f"Đã lưu nguồn lực huy động năm {year}.")
                return redirect(_overview_url(year))
    else:
        formset = budget_forms.MobilisationFormSet(initial=budget_forms.mobilisation_initial(records))
    total = sum(r.amount for r in records)
    return render(
        request,
        "budgets/mobilisation.html",
        {
            "unit": unit,
            "year": year,
            "formset": formset,
            "opened": stamp(records),
            "total": format_million(total),
        },
    )


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def overview_download(request):
    unit, year = requested_unit(request), _year(request)
    return _xlsx(overview_export(budget_overview(unit, year)), f"ngan-sach-{unit.code}-{year}.xlsx")


@login_required
def template_download(request):
    unit, year = _own_unit(request), _year(request)
    _program(year)
    return _xlsx(budget_template(unit, year), f"mau-ngan-sach-{unit.code}-{year}.xlsx")


PENDING = "budget_import"


@login_required
def excel_import(request):
    """Upload -> preview (nothing written) -> confirm -> all rows written, or none."""
    unit, year = _own_unit(request), _year(request)
    _program(year)
    context = {"unit": unit, "year": year, "error": "", "preview": None}
    pending = request.session.get(PENDING)
    try:
        if request.method == "POST" and "confirm" in request.POST:
            if not pending or pending["token"] != request.POST.get("token"):
                messages.info(request, "Tệp này đã được nhập (hoặc đã hết hạn): không nhập lại.")
                return redirect(_overview_url(year))
            result = budget_import(
                user=request.user,
                unit=unit,
                year=pending["year"],
                name=pending["name"],
                path=upload_dir() / pending["stored"],
                dry_run=False,
                allow_deletions=request.POST.get("xoa") == "1",
            )
            if result.committed:
                (upload_dir() / pending["stored"]).unlink(missing_ok=True)
                del request.session[PENDING]
                messages.success(
                    request,
                    f"Đã nhập {result.budget_rows} dòng ngân sách, "
                    f"{result.output_rows} dòng kết quả từ {pending['name']}.",
                )
                return redirect(_overview_url(pending["year"]))
            context["preview"] = result
            context["token"], context["file_name"] = pending["token"], pending["name"]
            if result.deletions and not result.problems:
                context["error"] = "Tệp xóa dòng ngân sách đang có: đánh dấu đồng ý xóa rồi xác nhận lại."
        elif request.method == "POST" and request.FILES.get("file"):
            upload = request.FILES["file"]
            stored = upload_store(upload)
            context["preview"] = budget_import(
                user=request.user, unit=unit, year=year, name=upload.name, path=upload_dir() / stored
            )
            token = uuid.uuid4().hex
            request.session[PENDING] = {"token": token, "stored": stored, "name": upload.name, "year": year}
            context["token"], context["file_name"] = token, upload.name
    except RefusedFile as error:
        context["error"] = str(error)
    return render(request, "budgets/import.html", context)


@login_required
def catalogue(request):
    """The program of a year, its components; the system administrator loads corrections by Excel."""
    year = _year(request)
    program = _program(year)
    result, error = None, ""
    if request.method == "POST":
        if not request.user.is_system_admin:
            raise PermissionDenied("Chỉ quản trị hệ thống được sửa danh mục chương trình.")
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise RefusedFile("Chọn tệp Excel danh mục.")
            kind = check_upload(upload.name, upload.size)
            with tempfile.NamedTemporaryFile(suffix=f".{kind}") as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
                handle.flush()
                result = catalogue_import(
                    user=request.user, path=Path(handle.name), name=upload.name, kind=kind
                )
        except RefusedFile as refused:
            error = str(refused)
        if result is not None and result.ok:
            messages.success(
                request,
                f"Đã nhập danh mục từ {upload.name}: thêm {result.created}, sửa {result.renamed}, "
                f"giữ nguyên {result.unchanged} dòng.",
            )
            return redirect(f"{reverse('budgets:catalogue')}?nam={year}")
    components = catalogue_of(program)
    return render(
        request,
        "budgets/catalogue.html",
        {"program": program, "year": year, "components": components, "result": result, "error": error},
    )


@login_required
def catalogue_download(request):
    program = _program(_year(request))
    return _xlsx(catalogue_workbook(program), f"danh-muc-{program.code}.xlsx")
