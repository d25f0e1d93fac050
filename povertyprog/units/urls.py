from django.urls import path

from povertyprog.units import views

app_name = "units"
urlpatterns = [
    path("", views.unit_index, name="index"),
    path("tim-kiem/", views.unit_search, name="search"),
    path("<int:pk>/", views.unit_detail, name="detail"),
]
