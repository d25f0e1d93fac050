from django.urls import path

from reports import document_views as views

app_name = "documents"
urlpatterns = [
    path("", views.document_list, name="list"),
    path("moi/", views.document_create, name="create"),
    path("kiem-tra/", views.verify, name="verify"),
    path("chung-thu-so/", views.certificate, name="certificate"),
    path("<int:pk>/", views.document_detail, name="detail"),
    path("<int:pk>/soan/", views.document_edit, name="edit"),
    path("<int:pk>/xem/", views.document_preview, name="preview"),
    path("<int:pk>/xem-ban-dang-soan/", views.document_preview_typed, name="preview_typed"),
    path("<int:pk>/tai-ve/", views.document_download, name="download"),
    path("<int:pk>/giay-chung-nhan.pdf", views.document_certificates, name="certificates"),
    path("<int:pk>/ban-hanh/", views.document_issue, name="issue"),
    path("<int:pk>/ky-so/", views.document_sign, name="sign"),
    path("<int:pk>/dinh-chinh/", views.document_correct, name="correct"),
    path("<int:pk>/ban-quet/", views.document_scan, name="scan"),
    path("<int:pk>/ban-quet.pdf", views.document_scan_download, name="scan_download"),
]
