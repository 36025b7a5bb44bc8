import logging

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "cinar.workflow"
    label = "workflow"
    verbose_name = _("Processes (BPMN)")

    def ready(self) -> None:
        # Registers the built-in handlers (noop, set_variables).
        from cinar.workflow import handlers  # noqa: F401

        # SpiffWorkflow logs every task state change at INFO; keep that out of the logs
        # unless a deployment asks for it explicitly (LOGGING["loggers"]["spiff"]).
        spiff = logging.getLogger("spiff")
        if spiff.level == logging.NOTSET:
            spiff.setLevel(logging.WARNING)
