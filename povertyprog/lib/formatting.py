"""Numbers as Vietnamese offices write them: 1.234.567,5 and 35,48%. Pure functions."""

from decimal import ROUND_HALF_UP, Decimal


def format_number(value, decimals: int = 0) -> str:
    if value is None or value == "":
        return ""
    quantum = Decimal(1).scaleb(-decimals)
    number = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    whole, _, fraction = f"{abs(number):f}".partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    text = ".".join(groups) or "0"
    return f"{sign}{text},{fraction}" if fraction else f"{sign}{text}"


def format_percent(value, decimals: int = 2) -> str:
    """35.4838 -> '35,48%'."""
    if value is None:
        return ""
    return f"{format_number(value, decimals)}%"
