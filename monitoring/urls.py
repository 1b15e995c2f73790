from django.urls import path

from monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export/<slug:key>.<str:fmt>", views.export, name="export"),
    path("subjects/", views.subjects, name="subjects"),
    path("records/", views.records, name="records"),
    path("entries/<slug:what>/", views.entries, name="entries"),
    path("reports/", views.reports, name="reports"),
    path("reports/new/", views.report_generate, name="report_generate"),
    path("reports/<int:pk>.<str:fmt>", views.report_download, name="report_download"),
]
