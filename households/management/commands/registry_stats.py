import json

from django.core.management.base import BaseCommand, CommandError

from households.selectors import registry_stats
from povertyprog.units.models import AdministrativeUnit


class Command(BaseCommand):
    help = (
        "Thống kê kết quả rà soát của một đơn vị (cộng cả các đơn vị trực thuộc) trong một năm. "
        "Khóa JSON: xem README.md, mục registry_stats."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--unit", required=True, help="mã đơn vị (xã 5 số, huyện 3 số, tỉnh 2 số) hoặc ALL"
        )
        parser.add_argument("--year", type=int, required=True, help="năm rà soát")
        parser.add_argument(
            "--tree",
            help="ngày hiệu lực của cây đơn vị (YYYY-MM-DD), khi mã có trong cả hai cây; "
            "mặc định: cây có hiệu lực vào 31/12 của năm rà soát",
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="in JSON (mặc định: bảng tóm tắt)"
        )

    def handle(self, *args, unit, year, tree, as_json: bool, **options):
        target = None if unit.upper() == "ALL" else self._unit(unit, year, tree)
        stats = registry_stats(target, year)
        if as_json:
            self.stdout.write(_dumps(stats))
            return
        h = stats["households"]
        self.stdout.write(f"{target.name if target else 'Toàn quốc'} – năm {year}")
        self.stdout.write(f"Tổng số hộ: {h['total']}; hộ nghèo: {h['poor']} ({h['poor_rate']}%); "
                          f"hộ cận nghèo: {h['near_poor']} ({h['near_poor_rate']}%)")  # fmt: skip

    def _unit(self, code: str, year: int, tree: str | None) -> AdministrativeUnit:
        found = AdministrativeUnit.objects.for_code(code, year, tree)
        if found is None:
            raise CommandError(f"Không có đơn vị mã {code}.")
        return found


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
