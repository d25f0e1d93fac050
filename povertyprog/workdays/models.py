"""Days that break the Monday-Friday week: public holidays and days off (ngày nghỉ lễ, Tết,
nghỉ bù) and the weekend days worked in exchange (ngày làm bù). Dated data: each year's
schedule is announced by the Government; the administrator enters or corrects it."""

from django.db import models
from simple_history.models import HistoricalRecords


class DayKind(models.TextChoices):
    OFF = "off", "Ngày nghỉ (lễ, Tết, nghỉ bù)"
    WORKED = "worked", "Ngày làm bù (thứ Bảy, Chủ nhật đi làm)"


class SpecialDay(models.Model):
    day = models.DateField("ngày", unique=True)
    kind = models.CharField("loại", max_length=6, choices=DayKind, default=DayKind.OFF)
    name = models.CharField("tên", max_length=120)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "ngày nghỉ, ngày làm bù"
        verbose_name_plural = "ngày nghỉ, ngày làm bù"
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y} {self.name}"
