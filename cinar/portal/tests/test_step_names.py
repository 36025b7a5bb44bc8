"""A citizen reads the steps of their application in their language: the English names
the demo processes write beside the Turkish (``cinar:nameEn``)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cinar.cases.actions import case_sync_from_process
from cinar.notifications.models import OutboxMessage
from cinar.portal.tests.conftest import officer, submit
from cinar.workflow.actions import work_item_claim, work_item_complete
from cinar.workflow.models import OPEN_WORK_ITEM_STATUSES, WorkItem

pytestmark = pytest.mark.django_db

STEP_TR = "Başvurunun kaydı ve sınıflandırılması"
STEP_EN = "Registration and classification of the application"


def test_the_status_page_and_the_list_name_the_steps_in_the_readers_language(client, people):
    case = submit(people.a)
    client.force_login(people.a)
    page = reverse("portal:case_detail", args=[case.pk])

    english = client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"Step started: {STEP_EN}" in english  # the timeline
    assert f"<dd>{STEP_EN}</dd>" in english  # the current step
    assert STEP_TR not in english
    assert (
        STEP_EN
        in client.get(reverse("portal:my_cases"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )

    turkish = client.get(page, HTTP_ACCEPT_LANGUAGE="tr").content.decode()
    assert f"<dd>{STEP_TR}</dd>" in turkish and STEP_EN not in turkish


def test_the_diagram_is_drawn_with_the_readers_names(client, people):
    case = submit(people.a)
    client.force_login(people.a)
    url = reverse("portal:case_diagram", args=[case.pk])
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert f'name="{STEP_EN}"' in english.content.decode()
    assert "accept-language" in english["Vary"].lower()  # kept per language
    turkish = client.get(url, HTTP_ACCEPT_LANGUAGE="tr").content.decode()
    assert f'name="{STEP_TR}"' in turkish and f'name="{STEP_EN}"' not in turkish


def test_a_step_changed_message_names_the_step_in_the_citizens_language(people):
    def step_messages(language):
        people.a.preferred_language = language  # the recipient's language wins
        people.a.save(update_fields=["preferred_language"])
        case = submit(people.a, language=language)
        item = WorkItem.objects.get(
            instance=case.process_instance, status__in=OPEN_WORK_ITEM_STATUSES
        )
        clerk = officer()
        work_item_complete(
            actor=clerk,
            work_item=work_item_claim(actor=clerk, work_item=item),
            data={"oncelik": "normal"},
        )
        case_sync_from_process(case=case)  # as the staff's case page or the sweep does
        return OutboxMessage.objects.filter(
            event="case.step_changed", idempotency_key__startswith=f"case:{case.pk}:"
        )

    english = step_messages("en")
    assert english and all(m.language == "en" for m in english)
    assert all("Referral to the responsible unit and assignment" in m.body for m in english)
    turkish = step_messages("tr")
    assert turkish and all("İlgili birime havale ve görevlendirme" in m.body for m in turkish)
