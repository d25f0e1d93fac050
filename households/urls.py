from django.urls import path

from households import mpi_views, views

app_name = "households"
urlpatterns = [
    path("", views.household_list, name="list"),
    path("them/", views.household_create, name="create"),
    path("thong-ke/", views.registry_statistics, name="stats"),
    path("<int:pk>/", views.household_detail, name="detail"),
    path("<int:pk>/sua/", views.household_edit, name="edit"),
    path("<int:pk>/bien-dong/", views.household_moves, name="moves"),
    path("trung-so-dinh-danh/", views.citizen_id_queue, name="id_queue"),
    path("<int:pk>/ra-soat/<int:year>/", views.review_edit, name="review"),
    path("tai-ve/", views.household_list_download, name="download"),
    path("niem-yet.xlsx", views.posting_download, name="posting_download"),
    path("nhat-ky-xuat/", views.export_log, name="export_log"),
    path("thong-ke/tai-ve/", views.statistics_download, name="stats_download"),
    path("ngheo-da-chieu/", mpi_views.mpi_page, name="mpi"),
    path("ngheo-da-chieu/tai-ve/", mpi_views.mpi_download, name="mpi_download"),
    path("chuyen-don-vi-moi/", views.registry_carry_page, name="carry"),
    path("nhap/", views.import_upload, name="import"),
    path("nhap/mau.xlsx", views.import_template_download, name="import_template"),
    path("nhap/<int:pk>/", views.import_job_detail, name="import_job"),
    path("nhap/<int:pk>/xac-nhan/", views.import_job_confirm, name="import_confirm"),
    path("nhap/<int:pk>/trang-thai/", views.import_job_status, name="import_status"),
]
