"""Suite-wide fixtures. App fixtures (personas built on the organization) live in each
app's tests/conftest.py."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _media_and_mail(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts and ends in the settings' language. A request through the test
    client leaves the language its LocaleMiddleware (or a login) activated on the
    thread, and a test run after it on the same worker would otherwise read that one."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _step_names_read_afresh():
    """Each test reads the English step names of the versions it deployed: a process
    keeps them for minutes, and a deployment inside a test's transaction never commits
    (the commit is what makes a process read them again)."""
    from cinar.workflow import names

    names.forget()
    yield
    names.forget()
