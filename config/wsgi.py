import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django_application = get_wsgi_application()

# A citizen's reload of an unchanged status page is answered before Django's handler
# (cinar.portal.fastpath, ADRs 0040 and 0041); everything else goes to Django.
from cinar.portal.fastpath import StatusPageApplication  # noqa: E402 (needs Django set up)

application = StatusPageApplication(django_application)
