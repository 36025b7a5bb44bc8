"""English names of a process's elements (``cinar:nameEn``, ``cinar.workflow.names``)."""

from __future__ import annotations

import pytest
from django.utils import translation

from cinar.workflow import names
from cinar.workflow.actions import process_version_import

XML = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:cinar="urn:cinar:bpmn:1.0" id="d" targetNamespace="urn:t">
  <bpmn:process id="adlar_{n}" name="Adlar" cinar:nameEn="Names" isExecutable="true">
    <bpmn:startEvent id="s" name="Başladı" cinar:nameEn="Started"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
    <bpmn:userTask id="t" name="İnceleme {n}" cinar:nameEn="Review {n}"/>
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>
    <bpmn:endEvent id="e" name="Bitti"/>
  </bpmn:process>
</bpmn:definitions>
"""


def test_the_english_names_of_a_file_and_its_diagram_in_each_language():
    xml = XML.format(n=1)
    assert names.english_names(xml) == {
        "adlar_1": ("Adlar", "Names"),
        "s": ("Başladı", "Started"),
        "t": ("İnceleme 1", "Review 1"),
    }
    english = names.localized_xml(xml, "en")
    assert 'name="Review 1"' in english and 'name="Started"' in english
    assert 'name="Bitti"' in english  # no English written: the Turkish stays
    assert names.localized_xml(xml, "tr") == xml
    with translation.override("en-gb"):
        assert 'name="Review 1"' in names.localized_xml(xml)


@pytest.mark.django_db
def test_a_step_reads_in_english_once_its_version_is_deployed(
    admin_user, django_capture_on_commit_callbacks
):
    names.forget()
    assert names.step_name("İnceleme 2", "en") == "İnceleme 2"  # nothing deployed writes it
    with django_capture_on_commit_callbacks(execute=True):
        process_version_import(
            actor=admin_user, xml=XML.format(n=2).encode(), filename="adlar.bpmn", activate=True
        )
    assert names.step_name("İnceleme 2", "en") == "Review 2"  # at once, in this process
    assert names.step_name("İnceleme 2", "tr") == "İnceleme 2"
    assert names.step_name("Bitti", "en") == "Bitti"
    assert names.step_name("", "en") == ""
    with translation.override("en"):
        assert names.step_name("İnceleme 2") == "Review 2"
