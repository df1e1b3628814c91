"""Liveness and dependencies."""
from __future__ import annotations

from shared.core import http
from shared.system import schemas, services

RETRY_AFTER_SECONDS = 5
OTHER_RESPONSES = {503: "The database is down (the same report, with `Retry-After`)"}  # for the OpenAPI document


async def get_health(request: http.Request) -> http.Response:
    """Report the database and cache status; 503 when the database is down."""
    report = await services.check_health(request.uow)
    if report.checks.database == "ok":
        return http.json(report)
    return http.json(report, status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


# The probe is one statement: without a transaction it is one round trip (no BEGIN and ROLLBACK around it).
handler = http.lambda_handler(get_health, response=schemas.HealthOut, reads_alone=True)
