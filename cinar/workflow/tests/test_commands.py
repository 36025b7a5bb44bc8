from __future__ import annotations

import shutil

import pytest
from django.core.management import CommandError, call_command

from cinar.workflow.models import ProcessDefinition, ProcessVersion

from .conftest import BPMN_DIR

pytestmark = pytest.mark.django_db


def test_process_import_file(capsys):
    call_command("process_import", str(BPMN_DIR / "sequence.bpmn"))
    version = ProcessVersion.objects.get()
    assert version.is_active
    assert "sequence v1" in capsys.readouterr().out


def test_process_import_directory_no_activate(tmp_path):
    for name in ("sequence.bpmn", "parallel.bpmn", "callee.bpmn"):
        shutil.copy(BPMN_DIR / name, tmp_path / name)
    call_command("process_import", str(tmp_path), "--no-activate")
    assert ProcessVersion.objects.count() == 3
    assert not ProcessVersion.objects.filter(is_active=True).exists()


def test_process_import_directory_is_all_or_nothing(tmp_path):
    shutil.copy(BPMN_DIR / "sequence.bpmn", tmp_path / "a.bpmn")
    shutil.copy(BPMN_DIR / "hostile_script.bpmn", tmp_path / "b.bpmn")
    with pytest.raises(CommandError, match="evil"):
        call_command("process_import", str(tmp_path))
    assert not ProcessDefinition.objects.exists()


def test_process_import_missing_path(tmp_path):
    with pytest.raises(CommandError):
        call_command("process_import", str(tmp_path / "nope.bpmn"))
