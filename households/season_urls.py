from django.urls import path

from households import season_views as views

app_name = "season"
urlpatterns = [
    path("", views.season_start, name="start"),
    path("<int:unit_pk>/<int:year>/", views.season_page, name="page"),
    path("<int:unit_pk>/<int:year>/thon/<int:village_pk>/", views.village_page, name="village"),
    path(
        "<int:unit_pk>/<int:year>/giay-de-nghi-trang.pdf",
        views.application_blank_pdf,
        name="application_blank",
    ),
    path("<int:unit_pk>/<int:year>/phu-luc-vi.pdf", views.final_list_pdf, name="final_list"),
    path("ho-so/<int:pk>/", views.case_page, name="case"),
    path("ho-so/<int:pk>/giay-de-nghi.pdf", views.application_pdf, name="application_pdf"),
    path("ho-so/<int:pk>/tra-loi.pdf", views.refusal_pdf, name="refusal_pdf"),
    path("ho/<int:household_pk>/<int:year>/giay-de-nghi/", views.application_page, name="application"),
    path("hop-thon/<int:pk>/bien-ban.pdf", views.minutes_pdf, name="minutes"),
    path("niem-yet/<int:pk>.pdf", views.posting_pdf, name="posting"),
    path("huong-dan/<slug:slug>/", views.help_page, name="help"),
]
