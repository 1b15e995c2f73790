"""Scoring workbench URLs: models, what-if, batches."""

from django.urls import path

from scoring import views

app_name = "scoring"
urlpatterns = [
    path("", views.model_list, name="models"),
    path("models/new/", views.model_upload, name="model_upload"),
    path("models/<int:pk>/", views.model_detail, name="model_detail"),
    path("models/<int:pk>/edit/", views.model_edit, name="model_edit"),
    path("models/<int:pk>/publish/", views.model_publish, name="model_publish"),
    path("models/<int:pk>/retire/", views.model_retire, name="model_retire"),
    path("retirements/<int:pk>/decide/", views.model_retire_decide, name="model_retire_decide"),
    path("models/<int:pk>/what-if/", views.what_if, name="what_if"),
    path("batches/", views.batch_list, name="batches"),
    path("batches/regrade/", views.regrade, name="regrade"),
    path("batches/<int:pk>/", views.batch_detail, name="batch_detail"),
]
