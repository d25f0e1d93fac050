from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "povertyprog.workdays"
    label = "workdays"
    verbose_name = "Lịch ngày làm việc"
