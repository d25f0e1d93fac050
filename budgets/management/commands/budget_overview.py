import json

from django.core.management.base import BaseCommand, CommandError

from budgets.selectors import budget_overview, overview_as_dict
from povertyprog.lib.formatting import format_percent
from povertyprog.lib.money import format_million
from povertyprog.units.models import AdministrativeUnit


class Command(BaseCommand):
    help = (
        "Nguồn vốn, kết quả chính sách, kết quả hoạt động và nguồn lực huy động của một đơn vị "
        "(cộng cả các đơn vị trực thuộc) trong một năm. Khóa JSON: xem README.md, mục budget_overview."
    )

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="mã đơn vị (xã 5 số, huyện 3 số, tỉnh 2 số)")
        parser.add_argument("--year", type=int, required=True, help="năm ngân sách")
        parser.add_argument(
            "--since", type=int, help="cộng dồn từ năm này đến --year (báo cáo giai đoạn); mặc định: một năm"
        )
        parser.add_argument(
            "--tree", help="ngày hiệu lực của cây đơn vị (YYYY-MM-DD), khi mã có trong cả hai cây"
        )
        parser.add_argument("--json", action="store_true", dest="as_json", help="in JSON (mặc định: tóm tắt)")

    def handle(self, *args, unit, year, tree, as_json: bool, since=None, **options):
        target = AdministrativeUnit.objects.for_code(unit, year, tree)
        if target is None:
            raise CommandError(f"Không có đơn vị mã {unit}.")
        if since is not None and since > year:
            raise CommandError(f"--since ({since}) phải không lớn hơn --year ({year}).")
        data = overview_as_dict(budget_overview(target, year, since=since))
        if as_json:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        total = data["total"]
        period = f"năm {year}" if since in (None, year) else f"{since} - {year}"
        self.stdout.write(
            f"{target.name} – {period}: giao {format_million(total['assigned'])} triệu đồng, giải ngân "
            f"{format_million(total['disbursed'])} triệu đồng ({format_percent(total['disbursement_rate'])})"
        )
