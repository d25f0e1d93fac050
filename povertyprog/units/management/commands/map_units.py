import json

from django.core.management.base import BaseCommand, CommandError

from povertyprog.units.succession import new_commune, old_commune, sources, successors


class Command(BaseCommand):
    help = (
        "Sắp xếp đơn vị cấp xã từ 01/7/2025: --old MÃ cho (các) xã mới mà một xã cũ trở thành; --new MÃ cho "
        "các xã cũ hợp thành một xã mới; kèm nghị quyết. Khóa JSON: xem README.md, mục map_units."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--old", help="mã xã (phường, thị trấn) trong cây ba cấp đến 30/6/2025")
        which.add_argument("--new", help="mã xã (phường, đặc khu) trong cây hai cấp từ 01/7/2025")
        parser.add_argument("--json", action="store_true", help="in JSON")

    def handle(self, *args, old, new, **options):
        if old:
            unit = old_commune(old)
            if unit is None:
                raise CommandError(f"Không có xã mã {old} trong cây đơn vị đến 30/6/2025.")
            data = successors(unit)
        else:
            unit = new_commune(new)
            if unit is None:
                raise CommandError(f"Không có xã mã {new} trong cây đơn vị từ 01/7/2025.")
            data = sources(unit)
        if options["json"]:
            self.stdout.write(_dumps(data))
        elif old:
            self._print_successors(data)
        else:
            self._print_sources(data)

    def _print_successors(self, data: dict) -> None:
        o = data["old"]
        self.stdout.write(f"{o['code']} {o['name']} ({o['province']['name']}) từ 01/7/2025:")
        if not data["new"]:
            self.stdout.write("  không có trong bảng sắp xếp (xem fixtures/units/succession-gaps.csv)")
        for n in data["new"]:
            self.stdout.write(f"  → {n['code']} {n['name']} ({n['province']['name']})")
        if data["split"]:
            self.stdout.write("  (chia cho nhiều xã mới: hộ được chuyển theo thôn, tổ dân phố)")
        for text in data["resolutions"]:
            self.stdout.write(f"  {text}")

    def _print_sources(self, data: dict) -> None:
        n = data["new"]
        self.stdout.write(f"{n['code']} {n['name']} ({n['province']['name']}) hợp thành từ:")
        if not data["old"]:
            self.stdout.write("  không có xã cũ trong bảng sắp xếp (fixtures/units/succession-gaps.csv)")
        for o in data["old"]:
            part = " (một phần)" if o["part"] else ""
            self.stdout.write(f"  ← {o['code']} {o['name']}{part} ({o['province']['name']})")
        if data["resolution"]:
            self.stdout.write(f"  {data['resolution']}")


def _dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
