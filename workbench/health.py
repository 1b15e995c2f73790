"""`/healthz` and `/metrics`: what a load balancer and Prometheus ask, nothing private.

Both are outside the login gate (a probe has no account) and so say only what an operator's
probe needs: whether the database answers, when a worker last beat, when the deadline job last
succeeded, and counts of job runs by state — never a name, an ID number or a record.

`/healthz` answers 503 when the database does not answer or the deadline job has not succeeded
for HC_HEALTH_DEADLINE_HOURS (a day and a little: it runs once a day). `/metrics` (Prometheus
text format, django-prometheus's request and response counters plus the job gauges below) is
served only to the addresses in HC_METRICS_ALLOWED — by default loopback and the private
ranges; every address of the request (the peer and each X-Forwarded-For hop, so a public client
behind the site's own proxy is refused too) must be allowed, otherwise 404 as if it did not
exist.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterator

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client.core import REGISTRY, GaugeMetricFamily
from prometheus_client.registry import Collector

from common import clock, jobs
from common.models import JobRun, JobStatus


def _last_deadline_success() -> dt.datetime | None:
    return (JobRun.objects.filter(job="process_deadlines", status=JobStatus.SUCCEEDED)
            .order_by("-finished_at").values_list("finished_at", flat=True).first())


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    now = clock.now()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception:  # noqa: BLE001 — the probe reports it; the detail goes to the log
        return JsonResponse({"status": "fail", "database": "unreachable"}, status=503)
    worker = jobs.last_beat(role="worker")
    worker_fresh = bool(worker and worker.beat_at >= now - jobs.stale_after())
    deadline = _last_deadline_success()
    deadline_ok = bool(deadline and deadline >= now - dt.timedelta(
        hours=settings.HC_HEALTH_DEADLINE_HOURS))
    body = {
        "status": "ok" if deadline_ok else "fail",
        "database": database,
        "worker": {"ok": worker_fresh, "last_heartbeat": _iso(worker.beat_at if worker else None)},
        "deadline_job": {"ok": deadline_ok, "last_success": _iso(deadline)},
    }
    return JsonResponse(body, status=200 if deadline_ok else 503)


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n, strict=False) for n in settings.HC_METRICS_ALLOWED]


def client_addresses(request: HttpRequest) -> list[str]:
    """The peer and every address a proxy put in X-Forwarded-For."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    return [request.META.get("REMOTE_ADDR", ""),
            *(a.strip() for a in forwarded.split(",") if a.strip())]


def is_internal(addresses: list[str]) -> bool:
    networks = _allowed_networks()
    for text in addresses:
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            return False
        if not any(address in n for n in networks):
            return False
    return bool(addresses)


class JobCollector(Collector):
    """Job gauges read from the database at scrape time (the same in every web process)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        runs = GaugeMetricFamily("hc_job_runs", "Job runs by job and state.",
                                 labels=["job", "status"])
        from django.db.models import Count

        for row in JobRun.objects.values("job", "status").annotate(n=Count("id")).order_by():
            runs.add_metric([row["job"], row["status"]], row["n"])
        yield runs
        deadline = _last_deadline_success()
        yield GaugeMetricFamily("hc_deadline_job_last_success_timestamp_seconds",
                                "When the deadline job last succeeded (0: never).",
                                value=deadline.timestamp() if deadline else 0)
        beat = jobs.last_beat(role="worker")
        yield GaugeMetricFamily("hc_worker_last_heartbeat_timestamp_seconds",
                                "When a job worker last gave a sign of life (0: never).",
                                value=beat.beat_at.timestamp() if beat else 0)


_collector: JobCollector | None = None


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    global _collector
    if not is_internal(client_addresses(request)):
        raise Http404
    if _collector is None:
        _collector = JobCollector()
        REGISTRY.register(_collector)
    from django_prometheus.exports import ExportToDjangoView

    return ExportToDjangoView(request)
