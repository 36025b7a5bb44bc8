"""The engine's clock. SpiffWorkflow's timer events read ``datetime.now(timezone.utc)``;
this module replaces the ``datetime`` name in SpiffWorkflow's timer module with a subclass
whose ``now()`` honours a per-context override, so the SLA sweep can run the engine "at"
the moment it was given (and tests can move time) without patching anything globally
at call time. Without an override it is the real clock."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, tzinfo

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer

_override: contextvars.ContextVar[datetime | None] = contextvars.ContextVar(
    "cinar_workflow_clock", default=None
)


class EngineDatetime(datetime):
    @classmethod
    def now(cls, tz: tzinfo | None = None) -> EngineDatetime:
        moment = _override.get()
        if moment is None:
            return super().now(tz)
        value = moment.astimezone(tz) if tz is not None else moment.replace(tzinfo=None)
        return cls.fromtimestamp(value.timestamp(), tz)


def install() -> None:
    """Idempotent: point SpiffWorkflow's timer module at the engine clock."""
    if _spiff_timer.datetime is not EngineDatetime:
        _spiff_timer.datetime = EngineDatetime


@contextmanager
def frozen(moment: datetime | None) -> Iterator[None]:
    """Run the engine as if it were ``moment`` (None: the real clock)."""
    install()
    token = _override.set(moment)
    try:
        yield
    finally:
        _override.reset(token)


def now() -> datetime:
    from django.utils import timezone

    return _override.get() or timezone.now()


install()
