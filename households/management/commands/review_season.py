import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from households.season_selectors import as_json, season_overview
from povertyprog.units.models import AdministrativeUnit, Level


class Command(BaseCommand):
    help = (
        "Tiến độ mùa rà soát của một xã, phường trong một năm: theo thôn và tổng cộng, số hộ ở từng "
        "bước, cuộc họp, niêm yết, khiếu nại, đã công nhận. Khóa JSON: xem README.md, mục review_season."
    )

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="mã xã, phường (5 số)")
        parser.add_argument("--year", type=int, required=True, help="năm rà soát")
        parser.add_argument("--on", help="ngày xem tiến độ (YYYY-MM-DD), mặc định hôm nay")
        parser.add_argument("--json", action="store_true", dest="as_json", help="in JSON (mặc định: bảng)")

    def handle(self, *args, unit, year, on, as_json: bool, **options):
        today = date.fromisoformat(on) if on else timezone.localdate()
        commune = AdministrativeUnit.objects.for_code(unit, year, None)
        if commune is None or commune.level != Level.COMMUNE:
            raise CommandError(f"Không có xã, phường mã {unit} trong năm {year}.")
        data = as_json_overview(commune, year, today)
        if as_json:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{commune.name} – mùa rà soát năm {year}, ngày {today:%d/%m/%Y}")
        for row in [*data["villages"], data["total"]]:
            self.stdout.write(
                f"{row['village'] or 'Tổng cộng'}: {row['households']} hộ; họp {row['meetings']}; "
                f"niêm yết {row['postings_open']} đang / {row['postings_closed']} xong; khiếu nại "
                f"{row['complaints_open']} chưa / {row['complaints_settled']} đã giải quyết; "
                f"công nhận {row['recognised']}"
            )


def as_json_overview(commune, year, today) -> dict:
    return {"unit": commune.code, "name": commune.name, "year": year, "on": today.isoformat(),
            **as_json(season_overview(commune, year, today))}  # fmt: skip
