"""`/monitoring/jobs/`: the background jobs page (included by workbench.urls)."""

from django.urls import path

from workbench import jobs_views

app_name = "jobs"
urlpatterns = [
    path("", jobs_views.job_list, name="list"),
    path("<int:pk>/", jobs_views.job_detail, name="detail"),
    path("<int:pk>/status.json", jobs_views.job_status, name="status"),
    path("<int:pk>/retry/", jobs_views.job_retry, name="retry"),
]
