"""Liveness and dependencies."""
from __future__ import annotations

from shared.core import http
from shared.system import schemas, services


async def get_health(request: http.Request) -> http.Response:
    """Report the database and cache status; 503 when the database is down."""
    report = await services.check_health(request.uow)
    return http.json(report, status=200 if report.checks.database == "ok" else 503)


handler = http.lambda_handler(get_health, response=schemas.HealthOut)
