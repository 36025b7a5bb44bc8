"""Workflow service-task handlers the cases app registers (see cinar/workflow/handlers.py).

- ``notify_applicant`` — parameter ``step`` (the step name; default: the task's element
  id) and optional ``event`` (``case.step_changed`` or ``case.completed``): an outbox row
  for the applicant, keyed by the instance and element so a re-run sends nothing twice.
- ``case_close`` — parameter ``outcome``: the case is closed with that outcome.

Both find the case from the ``case_id`` that ``case_submit`` puts in the start data; an
instance without one (a test instance) is left alone. They run inside the engine's
transaction; the notification leaves after commit through the outbox.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cinar.cases.models import Case
from cinar.cases.sync import case_close_locked, notify
from cinar.workflow.handlers import HandlerCall, register_handler


def _case(call: HandlerCall) -> Case | None:
    case_id = call.data.get("case_id")
    if not isinstance(case_id, int):
        return None
    return Case.objects.select_for_update().select_related("service").filter(pk=case_id).first()


@register_handler("notify_applicant")
def notify_applicant(call: HandlerCall) -> Mapping[str, Any] | None:
    case = _case(call)
    if case is None:
        return None
    event = str(call.params.get("event") or "case.step_changed")
    if event not in ("case.step_changed", "case.completed"):
        event = "case.step_changed"
    step = str(call.params.get("step") or call.element_id)
    extra: dict[str, Any] = {"step_name": step} if event == "case.step_changed" else {}
    if event == "case.completed":
        extra["outcome"] = str(call.params.get("outcome") or "")
    notify(
        case, event=event, key=f"handler:{call.instance_id}:{call.element_id}:{event}", extra=extra
    )
    return {"applicant_notified": True}


@register_handler("case_close")
def case_close(call: HandlerCall) -> Mapping[str, Any] | None:
    case = _case(call)
    if case is None or not case.is_open:
        return None
    case_close_locked(case, outcome=str(call.params.get("outcome") or ""))
    return {"case_closed": True}
