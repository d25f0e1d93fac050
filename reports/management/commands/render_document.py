import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from povertyprog.units.models import AdministrativeUnit
from reports.composition import compose, new_document
from reports.models import DocumentKind
from reports.rendering import document_html, pdf_bytes


class Command(BaseCommand):
    help = (
        "In dự thảo một loại văn bản của một đơn vị từ số liệu hiện có ra PDF (không ban hành, không lưu). "
        "In: out=, bytes=, seconds=."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=DocumentKind.values, help="loại văn bản")
        parser.add_argument("--unit", required=True, help="mã đơn vị")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument(
            "--to-year", type=int, help="kế hoạch nhiều năm: năm cuối (ví dụ --year 2024 --to-year 2025)"
        )
        parser.add_argument("--out", required=True, help="tệp PDF ghi ra")
        parser.add_argument("--tree", help="ngày hiệu lực của cây đơn vị (YYYY-MM-DD)")
        parser.add_argument("--html", help="ghi thêm bản HTML ra tệp này")

    def handle(self, *args, kind, unit, year, to_year, out, tree, html, **options):
        found = AdministrativeUnit.objects.for_code(unit, year, tree)
        if found is None:
            raise CommandError(f"Không có đơn vị mã {unit}.")
        started = time.perf_counter()
        try:
            document = new_document(found, kind, year, last_year=to_year)
        except ValueError as error:
            raise CommandError(str(error)) from None
        text = document_html(compose(document), reference="", day=None)
        if html:
            Path(html).write_text(text, encoding="utf-8")
        content = pdf_bytes(text)
        Path(out).write_bytes(content)
        self.stdout.write(f"out={out} bytes={len(content)} seconds={time.perf_counter() - started:.2f}")
