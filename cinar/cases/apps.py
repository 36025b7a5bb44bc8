from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cinar.cases"
    label = "cases"
    verbose_name = _("Applications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the workflow service-task handlers (notify_applicant, case_close).
        from cinar.cases import handlers  # noqa: F401
        from cinar.cases.actions import intake_cache_connect

        intake_cache_connect()
