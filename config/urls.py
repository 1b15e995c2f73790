from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("exchange.urls")),
    path("exchange/", include("exchange.page_urls")),
    path("", include("common.urls")),
    path("subjects/", include("subjects.urls")),
    path("records/", include("records.urls")),
    path("scoring/", include("scoring.urls")),
    path("supervision/", include("supervision.urls")),
    path("lists/", include("lists.urls")),
    path("approvals/", include("approvals.urls")),
    path("verify/checks/", include("approvals.public_urls")),
    path("admin/", admin.site.urls),
]
