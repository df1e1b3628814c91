"""Health report."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

Check = Literal["ok", "down"]


class HealthChecks(BaseModel):
    database: Check
    cache: Check


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    checks: HealthChecks
