"""A case submitted inside a caller's transaction that then rolls back leaves its files in
storage; the hourly sweep (cinar.core.orphans, ADR 0033) removes them once they are older
than the window, and never touches a committed case's files."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import transaction

from cinar.cases.actions import case_submit
from cinar.cases.models import Case
from cinar.cases.tests.conftest import new_key, upload
from cinar.cases.types import ApplicantInput
from cinar.core.orphans import remove_orphaned_files


@pytest.fixture(autouse=True)
def _disk(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }


def _files() -> set[str]:
    media = Path(django_settings.MEDIA_ROOT)
    return {p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file()}


def _age(names: set[str], hours: float) -> None:
    then = time.time() - hours * 3600
    for name in names:
        os.utime(Path(django_settings.MEDIA_ROOT) / name, (then, then))


def _submit(world, description: str) -> Case:
    return case_submit(
        actor=world.a,
        service_code="TST-001",
        channel="web",
        applicant=ApplicantInput(user=world.a),
        form_data={"konu": "Çukur"},
        description=description,
        attachments=[upload("dilekce.pdf")],
        idempotency_key=new_key(),
    )


class CallerFailed(Exception):
    pass


def test_files_of_a_rolled_back_submission_are_swept_and_committed_ones_stay(world):
    kept = _submit(world, "Kalır")
    kept_files = _files()
    assert kept.attachments.get().file.name in kept_files

    with pytest.raises(CallerFailed), transaction.atomic():
        _submit(world, "Geri alınır")
        raise CallerFailed
    assert not Case.objects.filter(description="Geri alınır").exists()
    orphans = _files() - kept_files
    assert any(name.startswith("cases/") for name in orphans), orphans

    _age(kept_files, 24 * 365)  # however old, a referenced file stays
    _age(orphans, 23)
    assert remove_orphaned_files().removed == ()  # still inside the window
    _age(orphans, 25)
    result = remove_orphaned_files()

    assert set(result.removed) == orphans
    assert _files() == kept_files
    assert kept.attachments.get().file.read().startswith(b"%PDF")
