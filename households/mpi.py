"""The Alkire-Foster measures of multidimensional poverty, as plain arithmetic (no database).

Alkire & Foster (2011), "Counting and multidimensional poverty measurement", J. Public Econ.
95(7-8); the notation of mpitbR's introductory vignette (Girela, CRAN package mpitbR):

- g0[i][j] = 1 when unit i (a household, or each of its members) is deprived in indicator j;
- c_i = sum_j w_j g0[i][j], the deprivation score (the weights w add up to 1);
- i is poor when c_i >= k (k the poverty cut-off); the censored score c_i(k) is c_i if poor, else 0;
- H = q / n (headcount ratio), A = sum c_i(k) / q (intensity), M0 = H x A = sum c_i(k) / n;
- h_j = share deprived in j (uncensored headcount), h_j(k) = share poor and deprived in j
  (censored headcount); M0 = sum_j w_j h_j(k); the contribution of j is w_j h_j(k) / M0;
- a population split into groups l with shares v_l: M0 = sum_l v_l M0_l.

Everything is computed with exact fractions and handed out as floats at the end, so the
checks "M0 = H x A" and "contributions add up to 100 %" hold exactly, not within a tolerance.

Two ways in, meant to give the same result (tests/test_mpi.py):
- `measures(rows, parameters)` from a score distribution: rows that each stand for units of
  the same score, with how many they are and how many of them are deprived in each indicator.
  This is what the database hands over (households.mpi_selectors groups the registry by score);
- `measures_of_units(units, parameters)`: the definition, unit by unit (the simple twin).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from households.indicators import DIMENSIONS, INDICATOR_FIELDS, INDICATORS, indicators_of

# Default weights: equal nested weights over the 6 dimensions of the standard, 2 indicators
# each, so each indicator weighs 1/6 x 1/2 = 1/12 (decisions.md D53).
EQUAL_WEIGHTS = {dimension.key: Fraction(1, len(DIMENSIONS)) for dimension in DIMENSIONS}


def equal_nested_weights() -> dict[str, Fraction]:
    return {
        indicator.field: EQUAL_WEIGHTS[indicator.dimension] / len(indicators_of(indicator.dimension))
        for indicator in INDICATORS
    }


def fraction(text: str | int | float | Fraction) -> Fraction:
    """'1/4', '0.25', '25%' -> Fraction(1, 4). Raises ValueError with a Vietnamese message."""
    if isinstance(text, Fraction):
        return text
    raw = str(text).strip().replace(",", ".")
    try:
        if raw.endswith("%"):
            return Fraction(raw[:-1].strip()) / 100
        return Fraction(raw)
    except (ValueError, ZeroDivisionError):
        raise ValueError(
            f"“{text}” không phải là một phân số hay số thập phân (ví dụ 1/4 hoặc 0,25)."
        ) from None


@dataclass(frozen=True)
class Parameters:
    """The weights of the 12 indicators (adding up to 1) and the poverty cut-off k, 0 < k <= 1."""

    weights: dict[str, Fraction]
    k: Fraction

    def __post_init__(self):
        problem = parameters_problem(self.weights, self.k)
        if problem:
            raise ValueError(problem)

    @property
    def equal(self) -> bool:
        """All 12 weights the same: a unit's score is its number of deprivations / 12."""
        return len(set(self.weights.values())) == 1

    def with_k(self, k: Fraction | None) -> "Parameters":
        return self if k is None else Parameters(self.weights, k)

    def score(self, deprived: Iterable[str]) -> Fraction:
        return sum((self.weights[field] for field in deprived), Fraction(0))


def parameters_problem(weights: dict, k) -> str:
    """Why these weights and cut-off cannot be used ('' when they can)."""
    if sorted(weights) != sorted(INDICATOR_FIELDS):
        return "Trọng số phải có đủ 12 chỉ số đo lường mức độ thiếu hụt, mỗi chỉ số một lần."
    if any(w < 0 for w in weights.values()):
        return "Trọng số không được âm."
    if sum(weights.values()) != 1:
        return f"Tổng các trọng số phải bằng 1 (đang là {sum(weights.values())})."
    if not 0 < k <= 1:
        return f"Ngưỡng nghèo k phải lớn hơn 0 và không quá 1 (đang là {k})."
    return ""


@dataclass
class ScoreRow:
    """Units of one score: how many (households, or persons) and how many deprived in each indicator."""

    score: Fraction
    units: int
    deprived: dict[str, int]


def _ratio(part: Fraction | int, whole: Fraction | int) -> Fraction:
    return Fraction(part) / whole if whole else Fraction(0)


def measures(rows: Iterable[ScoreRow], parameters: Parameters) -> dict:
    """H, A, M0 and the indicator and dimension break-down, from a score distribution.

    Keys (also those of `manage.py mpi --json`, README): population, poor, H, A, M0 (fractions
    0-1 as floats), k, indicators [{field, number, name, dimension, uncensored, censored,
    contribution, share}], dimensions [{key, name, contribution, share}]. `uncensored` and
    `censored` are headcount ratios (0-1), `contribution` is w_j h_j(k) (they add up to M0) and
    `share` its percentage of M0 (they add up to 100).
    """
    rows = list(rows)
    k = parameters.k
    population = sum(row.units for row in rows)
    poor_rows = [row for row in rows if row.score >= k]
    poor = sum(row.units for row in poor_rows)
    censored_scores = sum((row.score * row.units for row in poor_rows), Fraction(0))
    m0 = _ratio(censored_scores, population)
    indicators = []
    for indicator in INDICATORS:
        field, weight = indicator.field, parameters.weights[indicator.field]
        censored = _ratio(sum(row.deprived[field] for row in poor_rows), population)
        contribution = weight * censored
        indicators.append(
            {
                "field": field,
                "number": indicator.number,
                "name": indicator.name,
                "dimension": indicator.dimension,
                "weight": weight,
                "uncensored": _ratio(sum(row.deprived[field] for row in rows), population),
                "censored": censored,
                "contribution": contribution,
                "share": _ratio(contribution * 100, m0),
            }
        )
    dimensions = []
    for dimension in DIMENSIONS:
        contribution = sum(
            (i["contribution"] for i in indicators if i["dimension"] == dimension.key), Fraction(0)
        )
        dimensions.append(
            {
                "key": dimension.key,
                "name": dimension.name,
                "contribution": contribution,
                "share": _ratio(contribution * 100, m0),
            }
        )
    return {
        "population": population,
        "poor": poor,
        "k": k,
        "H": _ratio(poor, population),
        "A": _ratio(censored_scores, poor),
        "M0": m0,
        "indicators": indicators,
        "dimensions": dimensions,
    }


def measures_of_units(units: Iterable[tuple[Iterable[str], int]], parameters: Parameters) -> dict:
    """The same measures by the definition, unit by unit, written apart from `measures` (its
    simple twin in the tests): (fields deprived, weight) per unit, the weight being 1 for a
    household or its number of members when persons are counted."""
    units = [(set(deprived), weight) for deprived, weight in units]
    n = sum(weight for _, weight in units)
    scores = [parameters.score(deprived) for deprived, _ in units]
    poor = [score >= parameters.k for score in scores]
    q = sum(weight for (_, weight), is_poor in zip(units, poor, strict=True) if is_poor)
    censored_total = sum(
        (score * weight for score, (_, weight), is_poor in zip(scores, units, poor, strict=True) if is_poor),
        Fraction(0),
    )
    m0 = censored_total / n if n else Fraction(0)
    indicators = []
    for indicator in INDICATORS:
        field, w = indicator.field, parameters.weights[indicator.field]
        deprived_weight = sum(weight for deprived, weight in units if field in deprived)
        poor_deprived = sum(
            weight
            for (deprived, weight), is_poor in zip(units, poor, strict=True)
            if is_poor and field in deprived
        )
        censored = Fraction(poor_deprived, n) if n else Fraction(0)
        indicators.append(
            {
                "field": field,
                "number": indicator.number,
                "name": indicator.name,
                "dimension": indicator.dimension,
                "weight": w,
                "uncensored": Fraction(deprived_weight, n) if n else Fraction(0),
                "censored": censored,
                "contribution": w * censored,
                "share": w * censored / m0 * 100 if m0 else Fraction(0),
            }
        )
    dimensions = [
        {
            "key": d.key,
            "name": d.name,
            "contribution": sum(
                (i["contribution"] for i in indicators if i["dimension"] == d.key), Fraction(0)
            ),
        }
        for d in DIMENSIONS
    ]
    for dimension in dimensions:
        dimension["share"] = dimension["contribution"] / m0 * 100 if m0 else Fraction(0)
    return {
        "population": n,
        "poor": q,
        "k": parameters.k,
        "H": Fraction(q, n) if n else Fraction(0),
        "A": censored_total / q if q else Fraction(0),
        "M0": m0,
        "indicators": indicators,
        "dimensions": dimensions,
    }


def decomposition(groups: dict, total: dict) -> list[dict]:
    """Each group's population share (0-1), measures and dimension contributions; the sum of
    share x M0 over the groups is the total M0."""
    return [
        {
            "key": key,
            "population_share": _ratio(figures["population"], total["population"]),
            **{name: figures[name] for name in ("population", "poor", "H", "A", "M0")},
            "weighted_M0": _ratio(figures["population"], total["population"]) * figures["M0"],
            "dimensions": figures["dimensions"],
        }
        for key, figures in groups.items()
    ]


def change(before: dict, after: dict, years: int) -> dict:
    """Absolute and relative change of H, A and M0 between two years, and annualised
    (mpitbR's cotframe): absolute per year = (x2 - x1) / years; relative per year =
    (x2 / x1) ** (1 / years) - 1, as a percentage (None when x1 is 0)."""
    result = {}
    for name in ("H", "A", "M0"):
        x1, x2 = before[name], after[name]
        result[name] = {
            "before": x1,
            "after": x2,
            "absolute": x2 - x1,
            "absolute_per_year": (x2 - x1) / years,
            "relative": float((x2 - x1) / x1 * 100) if x1 else None,
            "relative_per_year": ((float(x2) / float(x1)) ** (1 / years) - 1) * 100 if x1 else None,
        }
    return result


def as_floats(value):
    """The measures with every Fraction as a float (for JSON, pages and spreadsheets)."""
    if isinstance(value, Fraction):
        return float(value)
    if isinstance(value, dict):
        return {key: as_floats(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_floats(item) for item in value]
    return value
