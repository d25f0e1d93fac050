from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from households.importing import household_import
from povertyprog.accounts.models import User
from povertyprog.lib.spreadsheets import RefusedFile
from povertyprog.units.models import AdministrativeUnit


class Command(BaseCommand):
    help = (
        "Nhập danh sách hộ (.xlsx/.csv) qua cùng dịch vụ nhập của trang web. "
        "In: số dòng, thêm mới, cập nhật, không đổi, rồi từng lỗi (trang, dòng, cột, giá trị, lỗi)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--year", type=int, required=True, help="năm rà soát")
        parser.add_argument("--unit", help="mã đơn vị nhận dữ liệu (mặc định: đơn vị của người dùng)")
        parser.add_argument("--user", required=True, help="tên đăng nhập của người nhập (ghi vào lịch sử)")
        parser.add_argument("--dry-run", action="store_true", help="chỉ kiểm tra, không ghi")

    def handle(self, *args, file, year, unit, user, dry_run, **options):
        try:
            account = User.objects.select_related("unit").get(username=user)
        except User.DoesNotExist:
            raise CommandError(f"Không có người dùng {user}.") from None
        target = account.unit
        if unit:
            target = AdministrativeUnit.objects.filter(code=unit).valid_on(f"{year}-12-31").first()
            if target is None:
                raise CommandError(f"Không có đơn vị mã {unit} vào năm {year}.")
        path = Path(file)
        try:
            result = household_import(
                user=account, unit=target, year=year, path=path, name=path.name, dry_run=dry_run
            )
        except RefusedFile as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"rows={result.total_rows} created={result.created} updated={result.updated} "
            f"unchanged={result.unchanged} errors={len(result.problems)} committed={result.committed}"
        )
        for p in result.problems:
            self.stdout.write(f"{p.sheet}\tdòng {p.row}\t{p.column}\t{p.value}\t{p.message}")
        if result.problems:
            raise CommandError("Tệp có lỗi: chưa ghi gì.")
