from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from povertyprog.health import health

admin.site.site_header = "Quản trị hệ thống báo cáo giảm nghèo"
admin.site.site_title = "Quản trị"

lazy_static = lazy(static, str)

urlpatterns = [
    path("", include("reports.home_urls")),
    path("suc-khoe/", health, name="health"),
    # Browsers ask for /favicon.ico whatever the page says: send them to the collected file.
    path(
        "favicon.ico", RedirectView.as_view(url=lazy_static("favicon.ico"), permanent=False), name="favicon"
    ),
    path("dang-nhap/", auth_views.LoginView.as_view(), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "doi-mat-khau/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "doi-mat-khau/xong/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("don-vi/", include("povertyprog.units.urls")),
    path("ho-gia-dinh/", include("households.urls")),
    path("ra-soat/", include("households.season_urls")),
    path("ngan-sach/", include("budgets.urls")),
    path("bao-cao/", include("reports.urls")),
    path("van-ban/", include("reports.document_urls")),
    path("quan-tri/", admin.site.urls),
]
