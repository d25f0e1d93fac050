from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Báo cáo"

    def ready(self):
        from povertyprog import approvals
        from reports import locking

        approvals.register(locking)  # the lower apps check the lock through povertyprog.approvals
