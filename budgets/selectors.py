"""Budget figures of a unit's subtree: sums in the database, a fixed number of queries.

budget_overview(unit, year) answers one year: each project and sub-project with its stages,
by source and capital type, and the disbursement rate; the policy results, activity outputs
and mobilised funds. budget_overview(unit, year, since=first) answers the years first..year
summed (a phase report): funds carried over between two of those years are counted once, in
the year they were allocated (docs/decisions.md D42). The multi-year table (seed 004: assigned
funds per year, central / local) comes with it. A project's figures are always the sum of its
sub-projects: nothing typed is ever a total.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Max, Min, Q, Sum

from budgets.models import (
    POLICY_BENEFICIARY,
    ActivityOutput,
    BudgetLine,
    Component,
    Contributor,
    Mobilisation,
    OutputKind,
    Policy,
    PolicyResult,
    Program,
    ProgramArea,
    Scope,
    Source,
)
from povertyprog.dbrouter import replica_reads
from povertyprog.lib.money import rate
from povertyprog.units.models import AdministrativeUnit

STAGE_FIELDS = ("assigned", "allocated", "carried_over", "disbursed")
BREAKDOWN_FIELDS = ("poor", "near_poor", "recently_escaped", "ethnic_minority")


@dataclass
class Stages:
    assigned: int = 0
    allocated: int = 0
    carried_over: int = 0
    disbursed: int = 0

    def add(self, other: "Stages | dict") -> None:
        for name in STAGE_FIELDS:
            value = other[name] if isinstance(other, dict) else getattr(other, name)
            setattr(self, name, getattr(self, name) + (value or 0))

    @property
    def available(self) -> int:
        """What could be spent this year: allocated plus carried over from last year."""
        return self.allocated + self.carried_over

    @property
    def remaining(self) -> int:
        return self.available - self.disbursed

    @property
    def unallocated(self) -> int:
        return max(self.assigned - self.allocated, 0)

    @property
    def disbursement_rate(self) -> float | None:
        """Disbursed over allocated plus carried over (docs/decisions.md D23)."""
        return rate(self.disbursed, self.available)

    def as_dict(self) -> dict:
        return {
            **{name: getattr(self, name) for name in STAGE_FIELDS},
            "remaining": self.remaining,
            "unallocated": self.unallocated,
            "disbursement_rate": None if self.disbursement_rate is None else round(self.disbursement_rate, 2),
        }


@dataclass
class ComponentFigures:
    component: Component
    applies: bool
    total: Stages = field(default_factory=Stages)
    by_source: dict[str, Stages] = field(default_factory=lambda: defaultdict(Stages))
    by_capital: dict[str, Stages] = field(default_factory=lambda: defaultdict(Stages))
    children: list["ComponentFigures"] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        """A locality reports the components that apply to it, and any that hold figures."""
        return self.applies or bool(self.total.assigned or self.total.available)


@dataclass
class BudgetOverview:
    unit: AdministrativeUnit
    year: int
    program: Program | None
    projects: list[ComponentFigures]
    total: Stages
    by_source: dict[str, Stages]
    policies: list[dict]
    outputs: list[dict]
    mobilised: list[dict]
    mobilised_total: int
    by_year: "YearTable | None"
    first_year: int = 0  # == year for one year's figures
    disbursed_as_of: "date | None" = None  # the latest date a disbursed figure is as of


def _ancestor_paths(path: str) -> list[str]:
    """'20210101/06/058/01834/' -> ['20210101/06/', '20210101/06/058/', '20210101/06/058/01834/']."""
    parts = path.strip("/").split("/")
    return ["/".join(parts[: i + 1]) + "/" for i in range(1, len(parts))]


def in_poor_area(program: Program, unit: AdministrativeUnit) -> bool:
    """The unit, a unit above it or a unit below it is a poor district / ĐBKK commune."""
    return ProgramArea.objects.filter(
        Q(unit__path__in=_ancestor_paths(unit.path)) | Q(unit__path__startswith=unit.path), program=program
    ).exists()


def program_components(program: Program) -> list[Component]:
    """Projects in official order, each with `.subprojects` (one query)."""
    components = list(Component.objects.filter(program=program).order_by("parent_id", "number"))
    by_parent = defaultdict(list)
    for component in components:
        by_parent[component.parent_id].append(component)
    projects = sorted(by_parent[None], key=lambda c: c.number)
    for project in projects:
        project.subprojects = sorted(by_parent[project.pk], key=lambda c: c.number)
    return projects


def _lines(unit: AdministrativeUnit):
    return BudgetLine.objects.filter(unit__path__startswith=unit.path)


@replica_reads
def budget_overview(unit: AdministrativeUnit, year: int, since: int | None = None) -> BudgetOverview:
    first = year if since is None else since
    try:
        program = Program.objects.for_year(year)
    except Program.DoesNotExist:
        program = None
    projects = program_components(program) if program else []
    poor_area = bool(projects) and in_poor_area(program, unit)
    figures: dict[int, ComponentFigures] = {}
    tree = []
    for project in projects:
        node = figures[project.pk] = ComponentFigures(project, project.scope == Scope.ALL or poor_area)
        for sub in project.subprojects:
            child = figures[sub.pk] = ComponentFigures(
                sub, node.applies and (sub.scope == Scope.ALL or poor_area)
            )
            node.children.append(child)
        tree.append(node)
    total, by_source = Stages(), defaultdict(Stages)
    sums = _line_sums(unit, program) if projects else []
    as_of = None
    for row in sums:
        leaf = figures.get(row["component_id"])
        if not first <= row["year"] <= year or leaf is None:
            continue
        if row["year"] > first:  # carried over from a year already summed: counted there
            row = {**row, "carried_over": 0}
        if row["disbursed"] and row["disbursed_as_of"]:
            as_of = max(as_of or row["disbursed_as_of"], row["disbursed_as_of"])
        targets = [leaf] + ([figures[leaf.component.parent_id]] if leaf.component.parent_id else [])
        for target in targets:
            target.total.add(row)
            target.by_source[row["source"]].add(row)
            target.by_capital[row["capital_type"]].add(row)
        total.add(row)
        by_source[row["source"]].add(row)
    return BudgetOverview(
        unit=unit,
        year=year,
        program=program,
        projects=[node for node in tree if node.shown],
        total=total,
        by_source={source: by_source[source] for source in Source.values if source in by_source},
        policies=policy_results(unit, year, since=first),
        outputs=activity_outputs(unit, year, program, since=first),
        mobilised=(mobilised := mobilisations(unit, year, since=first)),
        mobilised_total=sum(row["amount"] for row in mobilised),
        by_year=_year_table(program, projects, sums) if projects else None,
        first_year=first,
        disbursed_as_of=as_of,
    )


def _line_sums(unit: AdministrativeUnit, program: Program) -> list[dict]:
    """Every stage summed per component, year, source and capital type over the program's years:
    the one query behind both the year's figures and the multi-year table."""
    return list(
        _lines(unit)
        .filter(component__program=program, year__gte=program.first_year, year__lte=program.last_year)
        .values("component_id", "year", "source", "capital_type")
        .annotate(**{name: Sum(name) for name in STAGE_FIELDS}, disbursed_as_of=Max("disbursed_as_of"))
    )


def policy_results(unit: AdministrativeUnit, year: int, since: int | None = None) -> list[dict]:
    """One row per policy (all of them, in the order reports list them), summed over the subtree
    and the years since..year."""
    sums = {
        row["policy"]: row
        for row in PolicyResult.objects.filter(
            unit__path__startswith=unit.path, year__gte=since or year, year__lte=year
        )
        .values("policy")
        .annotate(
            beneficiaries=Sum("beneficiaries"),
            amount=Sum("amount"),
            covers_from=Min("covers_from"),
            **{name: Sum(name) for name in BREAKDOWN_FIELDS},
        )
    }
    empty = dict.fromkeys(("beneficiaries", "amount", "covers_from", *BREAKDOWN_FIELDS))
    return [
        {"policy": policy.value, "name": policy.label, "measure": POLICY_BENEFICIARY[policy].label,
         **empty, **{k: v for k, v in sums.get(policy.value, {}).items() if k != "policy"}}
        for policy in Policy
    ]  # fmt: skip


def activity_outputs(
    unit: AdministrativeUnit, year: int, program: Program | None, since: int | None = None
) -> list[dict]:
    """One row per output kind of the program's components, summed over the subtree and years."""
    if program is None:
        return []
    sums = {
        row["kind_id"]: row
        for row in ActivityOutput.objects.filter(
            unit__path__startswith=unit.path, year__gte=since or year, year__lte=year
        )
        .values("kind_id")
        .annotate(quantity=Sum("quantity"), **{name: Sum(name) for name in BREAKDOWN_FIELDS})
    }
    kinds = OutputKind.objects.filter(component__program=program).select_related("component__parent")
    rows = []
    for kind in sorted(kinds, key=_kind_order):
        found = sums.get(kind.pk, {})
        rows.append({
            "kind_id": kind.pk, "component": _component_label(kind.component), "name": kind.name,
            "measure": kind.measure, "has_breakdown": kind.has_breakdown,
            "quantity": found.get("quantity"), **{name: found.get(name) for name in BREAKDOWN_FIELDS},
        })  # fmt: skip
    return rows


def _kind_order(kind: OutputKind) -> tuple:
    component = kind.component
    project = component.parent or component
    return project.number, component.number if component.parent_id else 0, kind.position, kind.pk


def _component_label(component: Component) -> str:
    if component.parent_id:
        return f"Dự án {component.parent.number} - {component.label}"
    return component.label


def mobilisations(unit: AdministrativeUnit, year: int, since: int | None = None) -> list[dict]:
    """Mobilised funds per kind of contributor, with each contributor's own sum (seed 004: "nguồn
    của Quân khu: 200.000.000đ; …"); summed in the database per contributor."""
    labels = dict(Contributor.choices)
    kinds: dict[str, dict] = {}
    rows = (
        Mobilisation.objects.filter(unit__path__startswith=unit.path, year__gte=since or year, year__lte=year)
        .values("contributor_kind", "contributor")
        .annotate(amount=Sum("amount"), covers_from=Min("covers_from"))
        .order_by("contributor_kind", "-amount", "contributor")
    )
    for row in rows:
        kind = kinds.setdefault(
            row["contributor_kind"],
            {"contributor_kind": row["contributor_kind"], "name": labels[row["contributor_kind"]],
             "amount": 0, "covers_from": None, "contributors": []},
        )  # fmt: skip
        kind["amount"] += row["amount"]
        if row["covers_from"]:
            kind["covers_from"] = min(kind["covers_from"] or row["covers_from"], row["covers_from"])
        kind["contributors"].append({"name": row["contributor"], "amount": row["amount"]})
    order = list(Contributor.values)
    return sorted(kinds.values(), key=lambda kind: order.index(kind["contributor_kind"]))


@dataclass
class YearTable:
    """Assigned funds per component and year, central / local (seed 004's table)."""

    years: list[int]
    rows: list[
        dict
    ]  # {"component", "label", "level", "years": {year: {"central", "local", "total"}}, "total"}
    totals: dict


def _year_table(
    program: Program, projects: list[Component], sums: list[dict], stage: str = "assigned"
) -> YearTable:
    years = list(range(program.first_year, program.last_year + 1))
    parents = {sub.pk: project.pk for project in projects for sub in project.subprojects}
    cells: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in sums:
        if row["source"] not in (Source.CENTRAL, Source.LOCAL):
            continue
        # The leaf, its project (for a sub-project) and the total row (key 0).
        for key in (row["component_id"], parents.get(row["component_id"]), 0):
            if key is not None:
                cells[(key, row["year"])][row["source"]] += row[stage]
    table_rows = []
    for project in projects:
        for component, level in [(project, 0), *((sub, 1) for sub in project.subprojects)]:
            table_rows.append(_year_row(component, level, years, cells))
    totals = _year_row(None, 0, years, cells)
    used = [y for y in years if totals["years"][y]["total"]]
    return YearTable(years=used, rows=[r for r in table_rows if r["total"]["total"]], totals=totals)


def _year_row(component: Component | None, level: int, years: list[int], cells) -> dict:
    key = component.pk if component else 0
    by_year = {}
    overall = {"central": 0, "local": 0, "total": 0}
    for year in years:
        found = cells.get((key, year), {})
        central, local = found.get(Source.CENTRAL, 0), found.get(Source.LOCAL, 0)
        by_year[year] = {"central": central, "local": local, "total": central + local}
        overall["central"] += central
        overall["local"] += local
        overall["total"] += central + local
    return {
        "component": component,
        "label": (component.label if component else "Tổng cộng"),
        "name": component.name if component else "",
        "level": level,
        "years": by_year,
        "total": overall,
    }


def overview_as_dict(overview: BudgetOverview) -> dict:
    """budget_overview() as plain data (the `budget_overview --json` keys, README.md)."""
    unit = overview.unit
    return {
        "unit": {"code": unit.code, "name": unit.name, "level": unit.level},
        "year": overview.year,
        "first_year": overview.first_year,
        "disbursed_as_of": overview.disbursed_as_of.isoformat() if overview.disbursed_as_of else None,
        "program": {"code": overview.program.code, "name": overview.program.name}
        if overview.program
        else None,
        "total": overview.total.as_dict(),
        "by_source": {source: stages.as_dict() for source, stages in overview.by_source.items()},
        "projects": [_figures_dict(p) for p in overview.projects],
        "policies": overview.policies,
        "outputs": [row for row in overview.outputs if row["quantity"]],
        "mobilised": overview.mobilised,
        "mobilised_total": overview.mobilised_total,
        "mobilised_from": min(
            (m["covers_from"] for m in overview.mobilised if m["covers_from"]), default=None
        ),
    }


def _figures_dict(figures: ComponentFigures) -> dict:
    component = figures.component
    return {
        "label": component.label,
        "number": component.number,
        "name": component.name,
        "applies": figures.applies,
        **figures.total.as_dict(),
        "by_source": {k: v.as_dict() for k, v in figures.by_source.items()},
        "by_capital_type": {k: v.as_dict() for k, v in figures.by_capital.items()},
        "subprojects": [_figures_dict(c) for c in figures.children if c.shown],
    }


def catalogue_of(program: Program) -> list[Component]:
    """The program's components as the decision lists them: each project (component group), then
    its sub-projects (contents)."""
    components = program.components.select_related("parent")
    return sorted(components, key=lambda c: ((c.parent or c).number, c.parent_id is not None, c.number))
