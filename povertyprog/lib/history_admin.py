"""The admin's base classes: history pages that only show, and models the admin only shows.

django-simple-history's history form view saves a POST whatever the admin's change
permission says (it only hides the button): a crafted POST rewrote an approved review and
returned an approved submission to draft. Here every history page is read-only, and registry,
budget, cycle and document rows are written only through their services.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """Shows the history of a row; never writes from a history page (no revert)."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied("Trang lịch sử chỉ để xem: không khôi phục phiên bản cũ từ đây.")
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written through services (permissions, approval lock, rollups, audit): the admin
    only shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyHistoryAdmin(ReadOnlyAdmin, HistoryAdmin):
    pass
