"""The home page (each user's to-do), mounted at the site root by povertyprog/urls.py through
include(), so that the project's URLconf names the reporting app without importing it."""

from django.urls import path

from reports import views

urlpatterns = [path("", views.home, name="home")]
