"""Subject pages, addressed by primary key so that ID numbers never appear in a URL."""

from django.urls import path

from subjects import views

app_name = "subjects"
urlpatterns = [
    path("", views.subject_list, name="list"),
    path("new/", views.subject_create, name="create"),
    path("check-code/", views.check_code, name="check_code"),
    path("<int:pk>/", views.subject_detail, name="detail"),
    path("<int:pk>/edit/", views.subject_edit, name="edit"),
    path("<int:pk>/reveal/", views.reveal_code, name="reveal"),
    path("<int:pk>/confirm-code/", views.confirm_code, name="confirm_code"),
]
