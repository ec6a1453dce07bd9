"""The analysis window: `days` back from `until` (default now, UTC), `until` exclusive.

Every analysis takes `until` so a result can be reproduced later: executions, feedback and
scores recorded at or after `until` are left out ("as of `until`").
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from dataclasses import dataclass

from aigym.errors import ValidationError

__all__ = ["Window", "make_window"]

UTC = dt.UTC


@dataclass(frozen=True, slots=True)
class Window:
    """[since, until) in UTC, and the number of days it spans."""

    since: dt.datetime
    until: dt.datetime
    days: float

    def __str__(self) -> str:
        return f"{_fmt(self.since)} .. {_fmt(self.until)} ({self.days:g} days)"

    def complete_days(self) -> list[dt.date]:
        """UTC days lying wholly inside the window (partial first/last days are left out)."""
        first = self.since.date()
        if self.since != dt.datetime(first.year, first.month, first.day, tzinfo=UTC):
            first += dt.timedelta(days=1)
        last = self.until.date()  # exclusive: the day that `until` falls on is partial or out
        n = (last - first).days
        return [first + dt.timedelta(days=k) for k in range(max(n, 0))]

    def all_days(self) -> list[dt.date]:
        """Every UTC day the window touches, partial ones included."""
        first = self.since.date()
        last = (self.until - dt.timedelta(microseconds=1)).date()
        return [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]


def _fmt(t: dt.datetime) -> str:
    if t.hour == t.minute == t.second == t.microsecond == 0:
        return t.date().isoformat()
    return t.strftime("%Y-%m-%d %H:%M:%S UTC")


def as_utc(name: str, value: dt.datetime | dt.date | None) -> dt.datetime | None:
    """A timezone-aware datetime (or a date, read as its UTC midnight) in UTC."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValidationError(name, value, "pass a timezone-aware datetime, e.g. in UTC")
        return value.astimezone(UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=UTC)
    raise ValidationError(name, value, "pass a datetime (timezone-aware) or a date")


def make_window(days: float, until: dt.datetime | dt.date | None = None) -> Window:
    """The window of `days` days ending at `until` (default: now, UTC)."""
    if isinstance(days, bool) or not isinstance(days, numbers.Real):
        raise ValidationError("days", days, "pass a positive number of days, e.g. days=30")
    d = float(days)
    if not math.isfinite(d) or d <= 0 or d > 36_600:
        raise ValidationError("days", days, "pass a positive number of days, at most 36600")
    end = as_utc("until", until) or dt.datetime.now(UTC)
    return Window(since=end - dt.timedelta(days=d), until=end, days=d)
