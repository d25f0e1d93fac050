from datetime import datetime
from decimal import Decimal

from django import template
from django.utils import timezone

from povertyprog.lib.formatting import format_number, format_percent
from povertyprog.lib.money import MILLION, format_million

register = template.Library()


@register.filter
def so(value, decimals: int = 0):
    """{{ 1234567|so }} -> 1.234.567; {{ x|so:1 }} -> 1.234.567,5"""
    return format_number(value, int(decimals))


@register.filter
def phantram(value, decimals: int = 2):
    """{{ 35.4838|phantram }} -> 35,48%"""
    return format_percent(value, int(decimals))


@register.filter
def ty_le(value, decimals: int = 2):
    """A ratio as a percentage: {{ 0.354838|ty_le }} -> the same as {{ 35.4838|phantram }}."""
    return "" if value is None else format_percent(value * 100, int(decimals))


@register.filter
def x100(value, decimals: int = 2):
    """A ratio as the number of a "(%)" column: {{ 0.354838|x100 }} -> 35,48."""
    return "" if value is None else format_number(value * 100, int(decimals))


@register.filter
def trieu(dong, fixed=None):
    """{{ 2191705000|trieu }} -> 2.191,705 (triệu đồng, up to 3 decimals); {{ 8854000000|trieu:3 }}
    -> 8.854,000 (a fixed precision: every figure of a printed column alike)."""
    if fixed is not None and dong not in (None, ""):
        return format_number(Decimal(dong) / MILLION, int(fixed))
    return format_million(dong)


@register.filter
def ngay(value):
    """An ISO date or datetime (string or object) -> dd/mm/yyyy in local time; empty for None."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return value.strftime("%d/%m/%Y")


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def roman(number: int) -> str:
    """{{ 2|roman }} -> II (the numbering of a decision's lists)."""
    numerals = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    text, number = "", int(number)
    for value, letters in numerals:
        count, number = divmod(number, value)
        text += letters * count
    return text
