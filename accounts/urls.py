"""Own password and second factor, notifications, and the staff-account pages."""

from django.urls import path

from accounts import notification_views, views

urlpatterns = [
    path("account/password/", views.password_change, name="password_change"),
    path("account/second-factor/", views.second_factor, name="second_factor"),
    path("account/second-factor/verify/", views.second_factor_verify, name="otp_verify"),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path("notifications/<int:pk>/read/", notification_views.notification_read,
         name="notification_read"),
    path("notifications/read-all/", notification_views.notification_read_all,
         name="notification_read_all"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/permissions/", views.permission_matrix, name="permission_matrix"),
    path("staff/new/", views.staff_create, name="staff_create"),
    path("staff/<int:pk>/", views.staff_edit, name="staff_edit"),
    path("staff/<int:pk>/reset-password/", views.staff_reset_password,
         name="staff_reset_password"),
    path("staff/<int:pk>/remove-second-factor/", views.staff_remove_second_factor,
         name="staff_remove_second_factor"),
]
