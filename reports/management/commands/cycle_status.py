import json

from django.core.management.base import BaseCommand, CommandError

from povertyprog.units.models import AdministrativeUnit
from reports.models import ReportingPeriod
from reports.selectors import cycle_status


class Command(BaseCommand):
    help = (
        "Trạng thái báo cáo của một đơn vị và các đơn vị trực thuộc trong một kỳ "
        "(khóa JSON: xem README.md, mục cycle_status)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="mã đơn vị")
        parser.add_argument("--period", required=True, help="mã kỳ báo cáo, ví dụ 2024")
        parser.add_argument("--tree", help="ngày hiệu lực của cây đơn vị (YYYY-MM-DD)")
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args, unit, period, tree, as_json: bool, **options):
        found = ReportingPeriod.objects.filter(code=period).first()
        if found is None:
            raise CommandError(f"Không có kỳ báo cáo {period}.")
        target = AdministrativeUnit.objects.for_code(unit, found.year, tree)
        if target is None:
            raise CommandError(f"Không có đơn vị mã {unit}.")
        status = cycle_status(target, found)
        if as_json:
            self.stdout.write(json.dumps(status, ensure_ascii=False, indent=2))
            return
        counts = status["counts"]
        self.stdout.write(
            f"{target.name} – {found.name}: {status['unit']['state_label']}; đơn vị trực thuộc: "
            f"{counts['approved']}/{counts['children']} đã phê duyệt, {counts['submitted']} chờ duyệt, "
            f"{counts['returned']} bị trả lại, {counts['draft']} chưa gửi"
        )
