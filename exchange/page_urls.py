"""The exchange's workbench pages under /exchange/ (the API lives in `exchange.urls`)."""

from __future__ import annotations

from django.urls import path

from exchange import views

app_name = "exchange"

urlpatterns = [
    path("feeds/", views.feed_upload, name="feeds"),
    path("imports/<str:number>/", views.batch_detail, name="batch"),
    path("imports/<str:number>/import/", views.batch_import, name="batch_import"),
    path("imports/<str:number>/errors.xlsx", views.batch_errors, name="batch_errors"),
    path("sheets/", views.sheet_upload, name="sheets"),
    path("sheets/template/<str:kind>.<str:fmt>", views.sheet_template, name="sheet_template"),
    path("classify/", views.classify_list, name="classify"),
    path("revocations/", views.revocation_list, name="revocations"),
    path("jobs/<int:pk>/", views.import_job, name="job"),
    path("exports/", views.export_list, name="exports"),
    path("exports/<str:number>/", views.export_detail, name="export"),
    path("exports/<str:number>/file", views.export_download, name="export_file"),
    path("exports/<str:number>/receipt", views.export_receipt, name="export_receipt"),
    path("exports/<str:number>/<str:action>/", views.export_action, name="export_action"),
]
