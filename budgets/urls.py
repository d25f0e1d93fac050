from django.urls import path

from budgets import views

app_name = "budgets"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("du-an/<int:component_pk>/", views.budget_grid, name="grid"),
    path("chinh-sach/", views.policy_results, name="policies"),
    path("ket-qua/", views.activity_outputs, name="outputs"),
    path("huy-dong/", views.mobilisation, name="mobilisation"),
    path("tai-ve/", views.overview_download, name="download"),
    path("nhap-excel/", views.excel_import, name="import"),
    path("nhap-excel/mau.xlsx", views.template_download, name="template"),
    path("danh-muc/", views.catalogue, name="catalogue"),
    path("danh-muc/tai-ve.xlsx", views.catalogue_download, name="catalogue_download"),
]
