"""Record pages; every state change is a POST to its own URL."""

from django.urls import path

from records import views

app_name = "records"
urlpatterns = [
    path("", views.record_list, name="list"),
    path("new/", views.record_create, name="create"),
    path("reviews/", views.review_queue, name="reviews"),
    path("reviews/batch/", views.review_batch, name="review_batch"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence"),
    path("<int:pk>/", views.record_detail, name="detail"),
    path("<int:pk>/edit/", views.record_edit, name="edit"),
    path("<int:pk>/correct/", views.record_correct, name="correct"),
    path("<int:pk>/submit/", views.record_submit, name="submit"),
    path("<int:pk>/approve/", views.record_approve, name="approve"),
    path("<int:pk>/reject/", views.record_reject, name="reject"),
    path("<int:pk>/revoke/", views.record_revoke, name="revoke"),
    path("<int:pk>/evidence/", views.evidence_upload, name="evidence_upload"),
]
