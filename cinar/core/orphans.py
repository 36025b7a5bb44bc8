"""The sweep that removes stored files no committed row references (ADR 0033).

An action writes a file to storage before it inserts the row that names it. When the
action's own transaction fails it deletes the file at once; but when a *caller's* outer
transaction rolls back later (``case_submit`` wraps the registration of the incoming
document and the case's attachments), Django has no rollback hook and the file stays.
This sweep heals that, for every app: it walks each upload prefix of every ``FileField``
of Çınar's models (read from the app registry, so a new field is covered and this module
imports no app) and removes a file when no row references it **and** it is older than
the window — far longer than any transaction, so a file whose row is not committed yet is
never taken for an orphan. A referenced file is never removed, however old.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

DEFAULT_ORPHAN_WINDOW = dt.timedelta(hours=24)
_SWEEP_BATCH = 500


def orphan_window() -> dt.timedelta:
    """How old an unreferenced file must be before the sweep removes it
    (``CINAR_ORPHAN_WINDOW_HOURS``, default 24)."""
    hours = getattr(settings, "CINAR_ORPHAN_WINDOW_HOURS", None)
    return dt.timedelta(hours=float(hours)) if hours is not None else DEFAULT_ORPHAN_WINDOW


@dataclass(frozen=True)
class OrphanSweep:
    checked: int  # files found under the upload prefixes
    removed: tuple[str, ...]  # storage names deleted (or that would be, on a dry run)
    young: int  # unreferenced but inside the window: kept for now


FieldRef = tuple[Any, str]  # (model class, FileField name)


def upload_prefixes() -> dict[str, list[FieldRef]]:
    """Each upload prefix (``documents/attachments/``, ``cases/``) of a ``FileField`` of a
    Çınar model, with the (model, field) pairs that store files under it. A field whose
    ``upload_to`` is a callable or has no directory part is left out: no prefix of its
    own to walk safely."""
    from django.apps import apps
    from django.db.models import FileField

    prefixes: dict[str, list[FieldRef]] = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("cinar."):
            continue
        for model in config.get_models():
            for field in model._meta.get_fields():
                if not isinstance(field, FileField) or not isinstance(field.upload_to, str):
                    continue
                prefix = field.upload_to.split("%", 1)[0]
                prefix = prefix[: prefix.rfind("/") + 1]  # the directory part
                if prefix:
                    prefixes.setdefault(prefix, []).append((model, field.name))
    return prefixes


def _walk(storage: Any, directory: str) -> Iterator[str]:
    try:
        directories, names = storage.listdir(directory)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in sorted(names):
        yield f"{directory}{name}"
    for sub in sorted(directories):
        yield from _walk(storage, f"{directory}{sub}/")


def _referenced(prefixes: dict[str, list[FieldRef]], names: list[str]) -> set[str]:
    """The names some row references, asking every field whose prefix a name is under
    (prefixes may nest: ``files/`` and ``files/signed/``)."""
    found: set[str] = set()
    for prefix, fields in prefixes.items():
        under = [name for name in names if name.startswith(prefix)]
        if not under:
            continue
        for model, field in fields:
            found.update(
                model._base_manager.filter(**{f"{field}__in": under}).values_list(field, flat=True)
            )
    return found


def remove_orphaned_files(
    *, now: dt.datetime | None = None, window: dt.timedelta | None = None, dry_run: bool = False
) -> OrphanSweep:
    """Delete stored files under the upload prefixes that no row references and that are
    older than ``window`` (default: the setting). ``dry_run`` lists them and deletes
    nothing."""
    from django.core.files.storage import default_storage
    from django.utils import timezone

    now = now or timezone.now()
    cutoff = now - (window if window is not None else orphan_window())
    prefixes = upload_prefixes()
    # Walk each outermost prefix once; nested ones are inside it.
    roots = [p for p in sorted(prefixes) if not any(p != q and p.startswith(q) for q in prefixes)]
    checked = young = 0
    removed: list[str] = []

    def sweep(batch: list[str]) -> None:
        nonlocal young
        referenced = _referenced(prefixes, batch)
        for name in batch:
            if name in referenced:
                continue
            try:
                modified = default_storage.get_modified_time(name)
            except (FileNotFoundError, NotImplementedError):
                # Gone meanwhile, or a storage that cannot tell a file's age: a file of
                # unknown age is never removed.
                continue
            if modified >= cutoff:
                young += 1
                continue
            if not dry_run:
                default_storage.delete(name)
            logger.info("removed orphaned file %s (modified %s)", name, modified)
            removed.append(name)

    for root in roots:
        batch: list[str] = []
        for name in _walk(default_storage, root):
            checked += 1
            batch.append(name)
            if len(batch) >= _SWEEP_BATCH:
                sweep(batch)
                batch = []
        if batch:
            sweep(batch)
    return OrphanSweep(checked=checked, removed=tuple(removed), young=young)
