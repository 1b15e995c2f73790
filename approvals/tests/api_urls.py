"""URLs for the approvals API tests, whether or not exchange/api.py mounts the router yet.

Once the platform's API mounts `approvals.api.router` (the line the lead adds to exchange/api.py)
these are simply the platform's URLs. Until then the router is served, for these tests only, by
a second NinjaAPI at the same /api/v1/ prefix with the platform API's error handlers, so the
tests exercise the real paths and error shapes without changing the platform's own API object
(whose OpenAPI test lists its paths exactly).
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from ninja import NinjaAPI

from approvals.api import router
from common.api import ChineseJSONRenderer
from common.api import api as platform_api
from config.urls import urlpatterns as platform_urlpatterns


def _mounted() -> bool:
    return router in {r for _prefix, r in platform_api._routers}


urlpatterns: list[Any] = list(platform_urlpatterns)
if not _mounted():
    api = NinjaAPI(title=platform_api.title, version=platform_api.version,
                   urls_namespace="api-v1-approvals", renderer=ChineseJSONRenderer())
    for exc_class, handler in platform_api._exception_handlers.items():
        api.add_exception_handler(exc_class, handler)
    api.add_router("/", router)
    urlpatterns = [path("api/v1/", api.urls), *urlpatterns]
