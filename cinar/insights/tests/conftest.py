import pytest

from cinar.cases.tests.conftest import PROCESS, login, world  # noqa: F401  (shared fixtures)


@pytest.fixture
def english_names(world, django_capture_on_commit_callbacks):  # noqa: F811
    """Deploy the world's process again with English names (``cinar:nameEn``, ADR 0045):
    "Test process" for "Test case", "Review" for its step "Inceleme"."""
    from cinar.workflow.actions import process_version_import

    english = (
        PROCESS.replace(b'id="defs"', b'xmlns:cinar="urn:cinar:bpmn:1.0" id="defs"')
        .replace(b'name="Test case"', b'name="Test case" cinar:nameEn="Test process"')
        .replace(b'name="Inceleme"', b'name="Inceleme" cinar:nameEn="Review"')
    )
    with django_capture_on_commit_callbacks(execute=True):  # the names table is read afresh
        process_version_import(actor=world.admin, xml=english, filename="en.bpmn")
