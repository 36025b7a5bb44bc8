"""``{{ case.current_step|step_name }}``: a step's name in the reader's language
(``cinar.workflow.names``)."""

from __future__ import annotations

from django import template

from cinar.workflow import names

register = template.Library()


@register.filter
def step_name(value: str) -> str:
    return names.step_name(str(value or ""))
