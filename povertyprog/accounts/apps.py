from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "povertyprog.accounts"
    label = "accounts"
    verbose_name = "Người dùng"
