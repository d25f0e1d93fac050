import time

from django.core.management.base import BaseCommand

from budgets.demo import demo_budgets_2026_load, demo_budgets_load
from households.demo import demo_registry_load, demo_season_load, demo_today_load
from povertyprog.accounts.demo import DEMO_PASSWORD, demo_users_load
from reports.demo import demo_cycle_load, demo_recognition_load


class Command(BaseCommand):
    help = "Tạo dữ liệu và người dùng mẫu (chỉ dùng cho bản chạy thử); chạy lại không tạo trùng."

    def handle(self, *args, **options):
        count = demo_users_load()
        self.stdout.write(f"{count} người dùng mẫu, mật khẩu chung: {DEMO_PASSWORD}")
        started = time.perf_counter()
        households = demo_registry_load()
        self.stdout.write(
            f"Sổ hộ mẫu: tạo {households} hộ ({time.perf_counter() - started:.1f} s)"
            if households
            else "Sổ hộ mẫu: đã có, không tạo thêm."
        )
        lines = demo_budgets_load()
        self.stdout.write(
            f"Ngân sách mẫu (TP Bắc Kạn 2022-2024, huyện Chợ Mới 2024, xã Cẩm Lương 2023): {lines} dòng"
            if lines
            else "Ngân sách mẫu: đã có."
        )
        started = time.perf_counter()
        reviews = demo_today_load()
        self.stdout.write(
            f"Từ 01/7/2025: sổ hộ chuyển sang các xã của tỉnh Thái Nguyên, {reviews} kết quả rà soát "
            f"2025 và 2026 ({time.perf_counter() - started:.1f} s)"
            if reviews
            else "Sổ hộ đã ở các xã từ 01/7/2025."
        )
        lines = demo_budgets_2026_load()
        self.stdout.write(
            f"Ngân sách 2026 của Phường Bắc Kạn: {lines} dòng" if lines else "Ngân sách 2026: đã có."
        )
        submissions = demo_cycle_load()
        self.stdout.write(
            f"Kỳ báo cáo năm 2024 (TP Bắc Kạn, huyện Chợ Mới): {submissions} hồ sơ"
            if submissions
            else "Kỳ báo cáo mẫu: đã có."
        )
        cases = demo_season_load()
        recognised = demo_recognition_load()
        self.stdout.write(
            f"Mùa rà soát 2026 của Phường Bắc Kạn: {cases} hộ trong danh sách, {recognised} hộ đã công nhận"
            if cases or recognised
            else "Mùa rà soát 2026: đã có."
        )
