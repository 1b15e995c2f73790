"""The benchmarks' URL configuration: the platform's URLs plus the bare reference endpoint.

Only `bench.settings` routes here; `config.urls` (production) never includes it.
"""

from django.http import HttpRequest, JsonResponse
from django.urls import path

from common import clock
from config.urls import urlpatterns as platform_urlpatterns


def bench_bare(request: HttpRequest) -> JsonResponse:
    """A bare Django JSON answer through the same middleware: the reference the credit-check
    API is measured against (`bench.bench_api`)."""
    return JsonResponse({"ok": True, "at": clock.now().isoformat()})


urlpatterns = [
    path("bench/bare/", bench_bare, name="bench_bare"),
    *platform_urlpatterns,
]
