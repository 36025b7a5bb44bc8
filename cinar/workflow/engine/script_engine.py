"""Plugs the sandbox into SpiffWorkflow: every condition, script, timer and loop
expression the engine evaluates goes through ``cinar.workflow.sandbox``."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import (
    BasePythonScriptEngineEnvironment,
)

from cinar.workflow import sandbox


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    def evaluate(
        self,
        expression: str,
        context: Mapping[str, Any],
        external_context: Mapping[str, Any] | None = None,
    ) -> Any:
        names = dict(context)
        if external_context:
            names.update(external_context)
        return sandbox.evaluate(expression, names)

    def execute(
        self,
        script: str,
        context: MutableMapping[str, Any],
        external_context: Mapping[str, Any] | None = None,
    ) -> bool:
        sandbox.execute(script, context)
        return True

    def call_service(self, context: Any, **kwargs: Any) -> Any:
        raise sandbox.SandboxError("Service tasks call registered handlers only.")


class CinarScriptEngine(PythonScriptEngine):
    def __init__(self, instance_id: int | None = None) -> None:
        super().__init__(environment=SandboxEnvironment())
        self.instance_id = instance_id

    def validate(self, expression: str) -> None:
        sandbox.validate_expression(expression)
