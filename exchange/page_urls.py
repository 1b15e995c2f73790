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
]
