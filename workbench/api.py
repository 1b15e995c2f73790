"""API v1 composed: every app's router mounted on the one API object of `common.api`.

The composition lives here, at the top of the flow, because only the workbench may import every
app; each app keeps its endpoints next to its services in its own `api.py`. Mounted before the
URL list is built (ninja reads its routers then), and included by config/urls.py at /api/v1/.
"""

from __future__ import annotations

from approvals.api import router as approvals_router
from common.api import api
from common.api.urls import api_urlpatterns
from exchange.api import router as exchange_router
from lists.api import router as lists_router
from monitoring.api import router as monitoring_router
from scoring.api import router as scoring_router

api.add_router("/", exchange_router)  # subjects and records
api.add_router("/lists", lists_router)
api.add_router("/", approvals_router)
api.add_router("/", scoring_router)
api.add_router("/statistics", monitoring_router)

urlpatterns = api_urlpatterns()
