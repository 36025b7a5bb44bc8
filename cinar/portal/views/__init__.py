"""Citizen portal views, one module per area: pages (home), services, applications,
tracking, inbox. ``home`` stays importable from here (config/urls.py uses it)."""

from cinar.portal.views.pages import home

__all__ = ["home"]
