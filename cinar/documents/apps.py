from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def kep_eyp_handler(message: Any, name: str, content: bytes) -> str:
    """``cinar.integrations.kep`` handler: register and route an incoming .eyp."""
    from cinar.documents.actions import ImproperlyConfiguredError, kep_package_receive

    try:
        return kep_package_receive(message=message, file_name=name, content=content)
    except ImproperlyConfiguredError as exc:
        return str(exc)


class DocumentsConfig(AppConfig):
    name = "cinar.documents"
    label = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        from cinar.integrations.kep import register_eyp_handler

        register_eyp_handler(kep_eyp_handler)
