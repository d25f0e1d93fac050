from datetime import date

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from povertyprog.accounts.scoping import is_visible, visible_units
from povertyprog.units.models import AdministrativeUnit, Level

SEARCH_LIMIT = 50


def _day(request) -> date:
    """The day whose unit tree is shown: ?ngay=YYYY-MM-DD, today by default."""
    try:
        return date.fromisoformat(request.GET.get("ngay", ""))
    except ValueError:
        return timezone.localdate()


@login_required
def unit_index(request):
    if not request.user.is_system_admin:
        return redirect("units:detail", pk=request.user.unit_id)
    day = _day(request)
    provinces = AdministrativeUnit.objects.filter(level=Level.PROVINCE).valid_on(day)
    return render(request, "units/index.html", {"provinces": provinces, "day": day})


@login_required
def unit_detail(request, pk: int):
    unit = get_object_or_404(visible_units(request.user), pk=pk)
    breadcrumb = [(u, is_visible(request.user, u)) for u in unit.ancestors()]
    children = unit.children.order_by("code")
    return render(
        request,
        "units/detail.html",
        {"unit": unit, "breadcrumb": breadcrumb, "children": children},
    )


@login_required
def unit_search(request):
    query = request.GET.get("q", "").strip()
    results = []
    if query:
        results = list(
            visible_units(request.user)
            .search(query)
            .select_related("parent", "parent__parent")
            .order_by("level", "path")[:SEARCH_LIMIT]
        )
    return render(
        request,
        "units/search.html",
        {"query": query, "results": results, "limit": SEARCH_LIMIT},
    )
