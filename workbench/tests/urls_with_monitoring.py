"""The platform's URLs plus a stand-in `monitoring:dashboard`, to show that the leader's home
links to the dashboard once the monitoring app provides one."""

from django.http import HttpResponse
from django.urls import include, path

from config.urls import urlpatterns as platform

dashboard = [path("", lambda request: HttpResponse("dashboard"), name="dashboard")]
urlpatterns = [path("monitoring/", include((dashboard, "monitoring"))), *platform]
