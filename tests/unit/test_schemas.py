from __future__ import annotations

import datetime as dt

from shared.core.schemas import Output, UtcDatetime


class Moment(Output):
    at: UtcDatetime
    until: UtcDatetime | None = None


def test_moments_are_shown_in_utc_to_the_second() -> None:
    lisbon_summer = dt.timezone(dt.timedelta(hours=1))
    moment = Moment(at=dt.datetime(2026, 7, 1, 0, 30, 5, 987_654, tzinfo=lisbon_summer))
    assert moment.model_dump_json() == '{"at":"2026-06-30T23:30:05Z","until":null}'
    assert Moment.model_validate_json(moment.model_dump_json()) == moment  # a cached copy reads back the same
    assert Moment(at=moment.at, until="2026-06-30T23:30:05.5+00:00").model_dump(mode="json")["until"] == (
        "2026-06-30T23:30:05Z")
