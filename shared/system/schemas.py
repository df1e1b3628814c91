"""Health report."""

from typing import Literal

from shared.core.schemas import Schema

Check = Literal["ok", "down"]


class HealthChecks(Schema):
    database: Check
    cache: Check


class HealthOut(Schema):
    status: Literal["ok", "degraded"]
    checks: HealthChecks
