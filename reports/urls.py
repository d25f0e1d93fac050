from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.period_list, name="periods"),
    path("thong-bao/", views.notifications, name="notifications"),
    path("ho-so/<int:pk>/", views.submission_detail, name="submission"),
    path("ho-so/<int:pk>/<str:action>/", views.submission_action, name="submission_action"),
    path("<str:code>/", views.dashboard, name="dashboard"),
    path("<str:code>/ho-so-cua-toi/", views.open_submission, name="own_submission"),
    path("<str:code>/duyet-tat-ca/", views.approve_all, name="approve_all"),
    path("<str:code>/chi-tieu/", views.targets, name="targets"),
    path("<str:code>/chi-tieu-chi-so/", views.indicator_targets_page, name="indicator_targets"),
]
