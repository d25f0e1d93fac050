"""Amounts in đồng, shown and typed in triệu đồng as Vietnamese offices write them.

Stored exactly as whole đồng; shown as triệu đồng with up to 3 decimals ("2.191,705");
typed as triệu đồng with up to 6 decimals (exact to the đồng). Pure functions.
"""

import re
from decimal import ROUND_HALF_UP, Decimal

from povertyprog.lib.formatting import format_number

MILLION = 1_000_000
_TYPED = re.compile(r"(?P<whole>\d{1,3}(?:\.\d{3})*|\d+)(?:,(?P<fraction>\d+))?")


def format_million(dong: int | None, decimals: int = 3) -> str:
    """45_632_742_000 -> '45.632,742'; 8_854_000_000 -> '8.854' (trailing zeros dropped)."""
    if dong is None or dong == "":
        return ""
    text = format_number(Decimal(dong) / MILLION, decimals)
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    return text


def parse_million(text: str) -> int:
    """'2.191,705' -> 2_191_705_000 đồng. ValueError with a Vietnamese reason otherwise."""
    cleaned = str(text).strip().replace(" ", "").replace("\u00a0", "")
    if cleaned.startswith("-"):
        raise ValueError("Số tiền không được âm.")
    match = _TYPED.fullmatch(cleaned)
    if not match:
        raise ValueError(
            "Số tiền ghi bằng triệu đồng: dấu chấm ngăn cách hàng nghìn, dấu phẩy trước phần thập phân "
            "(ví dụ 2.191,705)."
        )
    fraction = match.group("fraction") or ""
    if len(fraction) > 6:
        raise ValueError("Số tiền chỉ chính xác đến đồng: tối đa 6 chữ số sau dấu phẩy.")
    value = Decimal(f"{match.group('whole').replace('.', '')}.{fraction or '0'}") * MILLION
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def rate(part: int, base: int) -> float | None:
    """part / base in percent, None when the base is zero (shown as "-")."""
    return part * 100 / base if base else None
