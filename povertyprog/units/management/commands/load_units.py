import time

from django.core.management.base import BaseCommand

from povertyprog.units.loading import units_load_all
from povertyprog.units.models import UnitSuccession


class Command(BaseCommand):
    help = "Nạp cây đơn vị hành chính (fixtures/units/); chạy lại nhiều lần không thay đổi gì."

    def handle(self, *args, **options):
        started = time.perf_counter()
        for result in units_load_all():
            self.stdout.write(
                f"{result.tree.file}: {result.total} đơn vị "
                f"(tạo mới {result.created}, cập nhật {result.updated}, "
                f"không đổi {result.unchanged})"
            )
        self.stdout.write(f"Sắp xếp đơn vị cấp xã 2025: {UnitSuccession.objects.count()} cặp xã cũ → xã mới")
        self.stdout.write(f"Thời gian: {time.perf_counter() - started:.2f} s")
