from django.contrib import admin
from django.urls import include, path

from portal.views import my_report
from workbench import health

urlpatterns = [
    # probes: outside the login gate, nothing private (workbench/health.py)
    path("healthz", health.healthz, name="healthz"),
    path("metrics", health.metrics, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("workbench.api")),
    path("", include("workbench.urls")),
    path("exchange/", include("exchange.page_urls")),
    path("subjects/", include("subjects.urls")),
    path("records/", include("records.urls")),
    path("scoring/", include("scoring.urls")),
    path("supervision/", include("supervision.urls")),
    path("lists/", include("lists.urls")),
    path("approvals/", include("approvals.urls")),
    path("monitoring/", include("monitoring.urls")),
    path("verify/checks/", include("approvals.public_urls")),
    path("my/report/", my_report, name="my_report"),  # portal's report, for an enterprise
    path("", include("appeals.urls")),  # /my/ (enterprises) and /appeals/ (staff queues)
    path("public/", include("portal.urls")),
    path("admin/", admin.site.urls),
]
