from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "cinar.identity"
    label = "identity"
    verbose_name = _("Identity")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from cinar.identity.middleware import session_stamp_at_login

        user_logged_in.connect(session_stamp_at_login, dispatch_uid="cinar-session-stamp")
