from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from povertyprog.backup import BackupError, backup


class Command(BaseCommand):
    help = "Sao lưu cơ sở dữ liệu (pg_dump) và tệp (MEDIA_ROOT) vào một thư mục. In: folder=, files=."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="thư mục ghi bản sao lưu")

    def handle(self, *args, out, **options):
        try:
            manifest = backup(Path(out))
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"folder={out} files={len(manifest['media_files'])}")
