"""Own password and second factor, and the administrator's staff-account pages."""

from django.urls import path

from accounts import views

urlpatterns = [
    path("account/password/", views.password_change, name="password_change"),
    path("account/second-factor/", views.second_factor, name="second_factor"),
    path("account/second-factor/verify/", views.second_factor_verify, name="otp_verify"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/permissions/", views.permission_matrix, name="permission_matrix"),
    path("staff/new/", views.staff_create, name="staff_create"),
    path("staff/<int:pk>/", views.staff_edit, name="staff_edit"),
    path("staff/<int:pk>/reset-password/", views.staff_reset_password,
         name="staff_reset_password"),
    path("staff/<int:pk>/remove-second-factor/", views.staff_remove_second_factor,
         name="staff_remove_second_factor"),
]
