"""Workbench shell URLs: home, sign-in/out, own password, and the audit log pages.

The audit pages are included here rather than in config/urls.py so the workbench's URLs live
in the apps that serve them.
"""

from django.urls import include, path

from workbench import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("", include("accounts.urls")),
    path("audit/", include("workbench.audit_urls")),
    # before any `monitoring/` include, so the monitoring app's own URLs cannot shadow it
    path("monitoring/jobs/", include("workbench.jobs_urls")),
]
