from django.core.management.base import BaseCommand

from povertyprog.accounts.demo import DEMO_PASSWORD, demo_users_load


class Command(BaseCommand):
    help = "Tạo dữ liệu và người dùng mẫu (chỉ dùng cho bản chạy thử)."

    def handle(self, *args, **options):
        count = demo_users_load()
        self.stdout.write(f"{count} người dùng mẫu, mật khẩu chung: {DEMO_PASSWORD}")
