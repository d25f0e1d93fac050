import json

from django.core.management.base import BaseCommand, CommandError

from households.mpi import as_floats, fraction
from households.mpi_selectors import GROUPINGS, MpiUnavailable, mpi_change, mpi_measures
from povertyprog.lib.formatting import format_number
from povertyprog.units.models import AdministrativeUnit


class Command(BaseCommand):
    help = (
        "Các chỉ số nghèo đa chiều Alkire-Foster (H, A, M0, đóng góp của từng chỉ số, từng chiều, "
        "theo nhóm) của một đơn vị trong một năm. Khóa JSON: xem README.md, mục mpi."
    )

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="mã đơn vị (xã 5 số, huyện 3 số, tỉnh 2 số)")
        parser.add_argument("--year", type=int, required=True, help="năm rà soát")
        parser.add_argument("--by", choices=list(GROUPINGS), help="chia nhóm: " + ", ".join(GROUPINGS))
        parser.add_argument("--k", help="ngưỡng nghèo k thay cho tham số của năm (ví dụ 1/3 hoặc 0,25)")
        parser.add_argument("--persons", action="store_true", help="tính theo nhân khẩu (mặc định: theo hộ)")
        parser.add_argument(
            "--since", type=int, help="năm so sánh: thêm mức thay đổi từ năm này (khóa change)"
        )
        parser.add_argument(
            "--tree", help="ngày hiệu lực của cây đơn vị (YYYY-MM-DD), khi mã có trong cả hai cây"
        )
        parser.add_argument("--json", action="store_true", dest="as_json", help="in JSON (mặc định: tóm tắt)")

    def handle(self, *args, unit, year, by, k, persons, since, tree, as_json: bool, **options):
        target = AdministrativeUnit.objects.for_code(unit, year, tree)
        if target is None:
            raise CommandError(f"Không có đơn vị mã {unit}.")
        try:
            cutoff = fraction(k) if k is not None else None
            result = mpi_measures(target, year, by=by, k=cutoff, persons=persons)
            if since is not None:
                result["change"] = mpi_change(target, since, year, k=cutoff, persons=persons)
        except (MpiUnavailable, ValueError) as error:
            raise CommandError(str(error)) from None
        result = as_floats(result)
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{target.name} – năm {year} – k = {format_number(result['k'] * 100, 2)}%")
        self.stdout.write(
            f"Số {'người' if persons else 'hộ'}: {format_number(result['population'])}; nghèo đa chiều: "
            f"{format_number(result['poor'])}; H = {format_number(result['H'] * 100, 2)}%; "
            f"A = {format_number(result['A'] * 100, 2)}%; M0 = {format_number(result['M0'], 4)}"
        )
        if "change" in result:
            m0 = result["change"]["M0"]
            self.stdout.write(
                f"So với năm {since}: M0 {format_number(m0['before'], 4)} → {format_number(m0['after'], 4)} "
                f"({format_number(m0['absolute'], 4)}; mỗi năm {format_number(m0['absolute_per_year'], 4)})"
            )
        for group in result["groups"]:
            self.stdout.write(
                f"  {group['name']}: {format_number(group['population_share'] * 100, 2)}% dân số, "
                f"M0 = {format_number(group['M0'], 4)}"
            )
