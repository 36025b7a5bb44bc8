"""Task specs Çınar adds to SpiffWorkflow."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from SpiffWorkflow.bpmn.specs.defaults import ServiceTask

from cinar.workflow import handlers, sandbox


class HandlerServiceTask(ServiceTask):
    """A service task that calls a handler from the registry, by name, and nothing else."""

    def __init__(
        self, wf_spec: Any, bpmn_id: str, handler: str, params: dict[str, str], **kwargs: Any
    ) -> None:
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.handler = handler
        self.params = params

    def _execute(self, task: Any) -> bool:
        engine = task.workflow.script_engine
        params = {key: engine.evaluate(task, expr) for key, expr in self.params.items()}
        func = handlers.handler_get(self.handler)
        result = func(
            handlers.HandlerCall(
                name=self.handler,
                element_id=self.bpmn_id or self.name,
                data=deepcopy(task.data),
                params=params,
                instance_id=getattr(engine, "instance_id", None),
            )
        )
        if result:
            updates = dict(result)
            sandbox.check_json_value(updates)
            task.data.update(updates)
        return True
