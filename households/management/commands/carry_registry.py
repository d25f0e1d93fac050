import json
import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from households.carrying import carry_plan, registry_carry
from povertyprog.accounts.models import User
from povertyprog.units.loading import ARRANGEMENT_DAY
from povertyprog.units.models import AdministrativeUnit, Level


class Command(BaseCommand):
    help = (
        "Chuyển sổ hộ sang các xã của cây đơn vị từ 01/7/2025: in số hộ theo từng cặp xã cũ → xã mới và các "
        "thôn của xã bị chia chưa được phân; --dry-run chỉ in. Khóa JSON: xem README.md, mục carry_registry."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--province", help="mã tỉnh (cây từ 01/7/2025)")
        which.add_argument("--commune", help="mã xã mới (cây từ 01/7/2025)")
        parser.add_argument(
            "--user", help="tên đăng nhập của người thực hiện (ghi vào lịch sử); bắt buộc khi chuyển"
        )
        parser.add_argument("--dry-run", action="store_true", help="chỉ in kế hoạch chuyển, không ghi")
        parser.add_argument("--json", action="store_true", help="in JSON")

    def handle(self, *args, province, commune, user, dry_run, **options):
        level = Level.PROVINCE if province else Level.COMMUNE
        scope = AdministrativeUnit.objects.filter(
            code=province or commune, valid_from=ARRANGEMENT_DAY, level=level
        ).first()
        if scope is None:
            raise CommandError(f"Không có đơn vị mã {province or commune} trong cây đơn vị từ 01/7/2025.")
        started = time.perf_counter()
        if dry_run:
            plan = carry_plan(scope)
        else:
            account = User.objects.select_related("unit").filter(username=user or "").first()
            if account is None:
                raise CommandError("Ghi --user TÊN_ĐĂNG_NHẬP của người thực hiện (hoặc --dry-run).")
            try:
                plan = registry_carry(user=account, scope=scope)
            except (ValidationError, PermissionDenied) as error:
                raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from None
        seconds = time.perf_counter() - started
        data = {
            "scope": {"code": scope.code, "name": scope.name},
            "carried": not dry_run,
            "households": plan.households,
            "lines": [
                {
                    "old": {"code": line.old.code, "name": line.old.name},
                    "new": {"code": line.new.code, "name": line.new.name},
                    "households": line.households,
                    "villages": line.villages,
                }
                for line in plan.lines
            ],  # fmt: skip
            "waiting": [
                {
                    "old": {"code": w.old.code, "name": w.old.name},
                    "village": w.village,
                    "households": w.households,
                    "choices": [c.code for c in w.choices],
                }
                for w in plan.waiting
            ],  # fmt: skip
            "waiting_households": plan.waiting_households,
            "seconds": round(seconds, 2),
        }
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        verb = "Đã chuyển" if not dry_run else "Sẽ chuyển"
        for line in data["lines"]:
            villages = f" (thôn: {', '.join(line['villages'])})" if line["villages"] else ""
            self.stdout.write(
                f"{line['old']['code']} {line['old']['name']} → {line['new']['code']} {line['new']['name']}: "
                f"{line['households']} hộ{villages}"
            )
        for w in data["waiting"]:
            self.stdout.write(
                f"CHƯA PHÂN: {w['old']['code']} {w['old']['name']} – {w['village']}: {w['households']} hộ "
                f"(xã mới có thể: {', '.join(w['choices'])})"
            )
        self.stdout.write(
            f"{verb} households={data['households']} waiting={data['waiting_households']} "
            f"seconds={data['seconds']}"
        )
