"""The Alkire-Foster page of a unit and year, and its tables as Excel."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render

from households.indicators import DIMENSIONS
from households.mpi import as_floats, fraction
from households.mpi_export import mpi_workbook
from households.mpi_selectors import GROUPINGS, MpiUnavailable, mpi_change, mpi_measures
from households.views import requested_year
from povertyprog.accounts.scoping import requested_unit
from povertyprog.lib.charts import bar_chart, stacked_bar_chart
from povertyprog.lib.spreadsheets import XLSX
from povertyprog.units.models import Level


def _options(request, unit, notices: list[tuple[int, str]]) -> dict:
    """by (default: the child units of a unit above a commune), k (blank: the year's), persons,
    since (the year compared with; default the year before). What cannot be used goes to `notices`."""
    by = request.GET.get("nhom", "")
    if by not in GROUPINGS:
        by = "child" if unit.level != Level.COMMUNE else ""
    raw_k = request.GET.get("k", "").strip()
    k = None
    if raw_k:
        try:
            k = fraction(raw_k)
        except ValueError as error:
            notices.append((messages.ERROR, f"Ngưỡng k: {error} Đang dùng ngưỡng của năm."))
    since = request.GET.get("so_voi", "")
    return {
        "by": by or None,
        "k": k,
        "persons": request.GET.get("theo") == "nguoi",
        "raw_k": raw_k,
        "since": int(since) if since.isdigit() else None,
    }


def _figures(request, unit, year: int) -> tuple[dict | None, dict | None, dict, list[tuple[int, str]]]:
    """The measures and the change as the page shows them, the options, and what was asked and
    cannot be used (a wrong k, a year under another standard): the page says it, the download not."""
    notices: list[tuple[int, str]] = []  # (message level, text)
    options = _options(request, unit, notices)
    try:
        result = mpi_measures(unit, year, by=options["by"], k=options["k"], persons=options["persons"])
    except MpiUnavailable as error:
        if options["k"] is None:
            notices.append((messages.ERROR, str(error)))
            return None, None, options, notices
        notices.append((messages.ERROR, f"{error} Đang dùng ngưỡng của năm."))
        options["k"] = None
        result = mpi_measures(unit, year, by=options["by"], persons=options["persons"])
    since = options["since"] or year - 1
    try:
        change = mpi_change(unit, since, year, k=options["k"], persons=options["persons"])
    except MpiUnavailable as error:
        change = None  # the year compared is under another standard (or has no parameters)
        if options["since"]:
            notices.append((messages.WARNING, str(error)))
    return as_floats(result), change and as_floats(change), options, notices


def _charts(result: dict) -> dict:
    dimension_names = [d.name for d in DIMENSIONS]

    def contributions(figures: dict) -> list[float]:
        return [d["contribution"] for d in figures["dimensions"]]

    bars = [(result["unit"]["name"], contributions(result))]
    bars += [(g["name"], contributions(g)) for g in result["groups"][:40]]
    charts = {}
    if result["by"] in ("child", "commune") and result["groups"]:
        charts["groups"] = bar_chart(
            f"M0 theo {GROUPINGS[result['by']].lower()} năm {result['year']}",
            [(g["name"], g["M0"]) for g in result["groups"]],
            suffix="",
            decimals=3,
        )
    charts["contributions"] = stacked_bar_chart(
        f"Đóng góp của từng chiều vào M0 năm {result['year']}", dimension_names, bars
    )
    return charts


@login_required
def mpi_page(request):
    unit, year = requested_unit(request), requested_year(request)  # 404 outside the user's subtree
    result, change, options, notices = _figures(request, unit, year)
    for level, text in notices:
        messages.add_message(request, level, text)
    context = {
        "unit": unit,
        "year": year,
        "breadcrumb": unit.ancestors(),
        "result": result,
        "change": change,
        "options": options,
        "groupings": GROUPINGS.items(),
        "grouping_name": GROUPINGS.get(result["by"], "") if result else "",
        "charts": _charts(result) if result else {},
    }
    return render(request, "households/mpi.html", context)


@login_required
def mpi_download(request):
    unit, year = requested_unit(request), requested_year(request)
    result, change, _, _ = _figures(request, unit, year)  # the page said what could not be used
    if result is None:
        raise Http404("Chưa tính được các chỉ số nghèo đa chiều cho năm này.")
    response = HttpResponse(mpi_workbook(result, change), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="ngheo-da-chieu-{unit.code}-{year}.xlsx"'
    return response
