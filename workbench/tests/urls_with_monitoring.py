"""The platform's URLs plus a stand-in `monitoring:dashboard`, to show that the leader's home
links to the dashboard once the monitoring app provides one. (The platform's URLconf is
included by name: workbench may not import `config`.)"""

from django.http import HttpResponse
from django.urls import include, path

dashboard = [path("", lambda request: HttpResponse("dashboard"), name="dashboard")]
urlpatterns = [path("monitoring/", include((dashboard, "monitoring"))),
               path("", include("config.urls"))]
