"""The orphaned-file sweep (ADR 0033): a file written inside a caller's transaction that
later rolls back is removed once older than the window; committed files never are."""

from __future__ import annotations

import datetime as dt
import os
import time
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction

from cinar.core import tasks
from cinar.core.orphans import remove_orphaned_files, upload_prefixes
from cinar.documents.models import Attachment, Document
from cinar.documents.tests.conftest import register

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _files() -> set[str]:
    media = Path(django_settings.MEDIA_ROOT)
    return {p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file()}


def _age(name: str, hours: float) -> None:
    path = Path(django_settings.MEDIA_ROOT) / name
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


class OuterRollback(Exception):
    pass


def _orphan_from_rolled_back_caller(docs) -> str:
    """What ``case_submit`` can do: register a document inside its own transaction, then
    fail. The document's row rolls back; its attachment file was already written."""
    before = _files()
    with pytest.raises(OuterRollback), transaction.atomic():
        register(docs, subject="Rolled back", attachments=[("ek.pdf", PDF)])
        raise OuterRollback
    assert not Document.objects.filter(subject="Rolled back").exists()
    (orphan,) = _files() - before
    return orphan


def test_prefixes_cover_every_file_field():
    prefixes = upload_prefixes()
    assert set(prefixes) == {
        "documents/attachments/",
        "documents/signed/",
        "documents/packages/",
        "cases/",
    }
    assert all(fields for fields in prefixes.values())


def test_an_old_orphan_is_removed_and_a_committed_file_is_kept(docs):
    kept = register(docs, attachments=[("kept.pdf", PDF)])
    kept_name = kept.attachments.get().file.name
    orphan = _orphan_from_rolled_back_caller(docs)
    assert orphan.startswith("documents/attachments/")
    _age(orphan, 25)
    _age(kept_name, 24 * 365)  # however old, a referenced file stays

    result = remove_orphaned_files()

    assert result.removed == (orphan,)
    assert orphan not in _files()
    assert kept_name in _files()
    assert Attachment.objects.get(document=kept).file.read() == PDF


def test_a_young_orphan_is_kept(docs):
    orphan = _orphan_from_rolled_back_caller(docs)
    _age(orphan, 23)

    result = remove_orphaned_files()

    assert result.removed == ()
    assert result.young == 1
    assert orphan in _files()


def test_the_window_is_a_setting(docs, settings):
    orphan = _orphan_from_rolled_back_caller(docs)
    _age(orphan, 3)
    assert remove_orphaned_files().removed == ()
    settings.CINAR_ORPHAN_WINDOW_HOURS = 2
    assert remove_orphaned_files().removed == (orphan,)


def test_files_outside_the_upload_prefixes_are_never_touched(docs):
    other = default_storage.save("exports/2026/11/report.pdf", ContentFile(PDF))
    loose = default_storage.save("documents/readme.txt", ContentFile(b"x"))
    for name in (other, loose):
        _age(name, 24 * 30)
    remove_orphaned_files()
    assert {other, loose} <= _files()


def test_signed_pdfs_and_packages_are_checked_against_their_own_fields(docs):
    doc = register(docs)
    doc.signed_file.save("E-1.pdf", ContentFile(PDF), save=True)
    stray = default_storage.save("documents/signed/2026/11/stray.pdf", ContentFile(PDF))
    for name in (doc.signed_file.name, stray):
        _age(name, 48)
    assert remove_orphaned_files().removed == (stray,)
    assert doc.signed_file.name in _files()


def test_dry_run_lists_and_keeps(docs):
    orphan = _orphan_from_rolled_back_caller(docs)
    _age(orphan, 30)
    out = StringIO()
    call_command("storage_orphans", "--dry-run", stdout=out)
    assert f"would remove {orphan}" in out.getvalue()
    assert orphan in _files()
    call_command("storage_orphans", stdout=StringIO())
    assert orphan not in _files()


def test_the_command_refuses_a_window_under_an_hour():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("storage_orphans", "--hours", "0.1")


def test_the_periodic_task_runs_the_sweep_and_is_scheduled(docs):
    orphan = _orphan_from_rolled_back_caller(docs)
    _age(orphan, 30)
    assert tasks.orphan_sweep() == {"checked": 1, "removed": 1, "young": 0}
    schedule = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert "cinar.core.tasks.orphan_sweep" in schedule


def test_an_explicit_now_decides_age(docs):
    orphan = _orphan_from_rolled_back_caller(docs)
    from django.utils import timezone

    assert remove_orphaned_files(now=timezone.now()).removed == ()
    later = timezone.now() + dt.timedelta(hours=25)
    assert remove_orphaned_files(now=later).removed == (orphan,)
