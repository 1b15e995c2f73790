"""Workbench URLs under /lists/."""

from django.urls import path

from lists import views

app_name = "lists"

urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("black/", views.black_list, name="black_list"),
    path("black/new/", views.black_new, name="black_new"),
    path("red/", views.red_list, name="red_list"),
    path("red/new/", views.red_new, name="red_new"),
    path("key/", views.key_list, name="key_list"),
    path("sanctions/", views.sanction_list, name="sanction_list"),
    path("sanctions/new/", views.sanction_new, name="sanction_new"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_new, name="case_new"),
    path("notices/<int:pk>.pdf", views.notice_pdf, name="notice"),
    path("repair/records/<int:pk>/", views.record_repair, name="record_repair"),
    # the same page under the name the workbench builds from a step's kind
    path("repair/records/<int:pk>/", views.record_repair, name="record_repair_detail"),
    path("black/<int:pk>/", views.detail, {"kind": "black"}, name="black_detail"),
    path("red/<int:pk>/", views.detail, {"kind": "red"}, name="red_detail"),
    path("sanctions/<int:pk>/", views.detail, {"kind": "sanction"}, name="sanction_detail"),
    path("cases/<int:pk>/", views.detail, {"kind": "case"}, name="case_detail"),
    path("<str:kind>/<int:pk>/<slug:name>/", views.action, name="action"),
]
