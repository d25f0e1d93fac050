from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from povertyprog.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "role", "unit", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "full_name", "unit__name"]
    raw_id_fields = ["unit"]
    list_select_related = ["unit"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Thông tin", {"fields": ["full_name", "job_title", "email"]}),
        ("Phân quyền", {"fields": ["unit", "role", "is_active"]}),
        ("Thời gian", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "password1", "password2", "full_name", "unit", "role"]}),
    ]
