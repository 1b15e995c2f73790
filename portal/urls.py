"""The public site under /public/ (no sign-in), and the staff's credit-report download."""

from django.urls import path

from portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("subjects/<str:code>/", views.subject, name="subject"),
    path("black/", views.black_list, name="black_list"),
    path("black/<int:pk>/", views.black_detail, name="black_detail"),
    path("red/", views.red_list, name="red_list"),
    path("red/<int:pk>/", views.red_detail, name="red_detail"),
    path("key/", views.key_list, name="key_list"),
    path("sanctions/", views.sanction_list, name="sanction_list"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("inspections/", views.plan_list, name="plan_list"),
    path("inspections/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("inspections/results/", views.result_list, name="result_list"),
    path("models/", views.model_list, name="model_list"),
    path("models/<int:pk>/", views.model_detail, name="model_detail"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("reports/<int:subject_id>/", views.report, name="report"),
    path("documents/<int:pk>/revoke/", views.revoke, name="revoke"),
]
