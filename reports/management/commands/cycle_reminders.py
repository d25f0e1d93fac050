from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from povertyprog.accounts.models import User
from povertyprog.accounts.scoping import DATA_ENTRY_ROLES
from reports.models import Notification, ReportingPeriod, State, Submission


class Command(BaseCommand):
    help = (
        "Nhắc các đơn vị chưa gửi báo cáo khi sắp đến hạn (chạy hằng ngày, ví dụ bằng cron). "
        "In: số người được nhắc."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7, help="nhắc khi còn từ 0 đến N ngày (mặc định 7)")

    def handle(self, *args, days: int, **options):
        today = timezone.localdate()
        reminded = 0
        for period in ReportingPeriod.objects.filter(
            opens_on__lte=today, due_on__gte=today, due_on__lte=today + timedelta(days=days)
        ):
            done = Submission.objects.filter(period=period, state__in=[State.SUBMITTED, State.APPROVED])
            text = f"Sắp đến hạn gửi {period.name}: hạn {period.due_on:%d/%m/%Y}, đơn vị bạn chưa gửi."
            already = Notification.objects.filter(text=text, created_at__date=today).values("user_id")
            users = (
                User.objects.filter(role__in=DATA_ENTRY_ROLES, is_active=True, unit__isnull=False)
                .exclude(unit__in=done.values("unit_id"))
                .exclude(pk__in=already)
            )
            notes = [Notification(user=user, text=text) for user in users]
            Notification.objects.bulk_create(notes)
            reminded += len(notes)
        self.stdout.write(f"reminded={reminded}")
