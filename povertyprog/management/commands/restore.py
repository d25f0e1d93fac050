from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from povertyprog.backup import BackupError, restore


class Command(BaseCommand):
    help = "Khôi phục cơ sở dữ liệu và tệp từ một bản sao lưu (ghi đè dữ liệu hiện có). In: restored=."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="source", required=True, help="thư mục của bản sao lưu")
        parser.add_argument("--yes", action="store_true", help="xác nhận ghi đè dữ liệu hiện có")

    def handle(self, *args, source, yes, **options):
        if not yes:
            raise CommandError("Khôi phục sẽ ghi đè toàn bộ dữ liệu hiện có: chạy lại với --yes để xác nhận.")
        try:
            restore(Path(source))
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"restored={source}")
