"""Workbench URLs of the approvals app, under /approvals/ (checks are addressed by number)."""

from django.urls import path

from approvals import views

app_name = "approvals"
urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("check/", views.run_check, name="run_check"),
    path("checks/<str:number>/", views.check_detail, name="check"),
    path("checks/<str:number>/certificate.pdf", views.certificate, name="certificate"),
    path("checks/<str:number>/feedback/", views.feedback, name="feedback"),
    path("checks/<str:number>/licence/correct/", views.licence_correct, name="licence_correct"),
    path("checks/<str:number>/licence/revoke/", views.licence_revoke, name="licence_revoke"),
    path("checks/<str:number>/commitment/", views.commitment_new, name="commitment_new"),
    path("commitments/", views.commitments, name="commitments"),
    path("commitments/<int:pk>/", views.commitment_detail, name="commitment"),
    path("commitments/<int:pk>/scan/", views.commitment_scan, name="commitment_scan"),
    path("feedback/", views.feedback_overview, name="feedback_overview"),
    path("matters/", views.matters, name="matters"),
]
