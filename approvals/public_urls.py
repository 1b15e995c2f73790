"""Public verification of check certificates by number, under /verify/checks/ (no sign-in)."""

from django.urls import path

from approvals import views

app_name = "approvals_public"
urlpatterns = [
    path("", views.verify, name="verify"),
    path("<str:number>/", views.verify_detail, name="detail"),
]
