from django.urls import path

from budgets import views

app_name = "budgets"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("du-an/<int:component_pk>/", views.budget_grid, name="grid"),
    path("chinh-sach/", views.policy_results, name="policies"),
    path("ket-qua/", views.activity_outputs, name="outputs"),
    path("huy-dong/", views.mobilisation, name="mobilisation"),
]
