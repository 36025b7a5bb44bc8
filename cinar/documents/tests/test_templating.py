import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cinar.audit.models import AuditEvent
from cinar.audit.queries import audit_chain_verify
from cinar.documents import template_actions
from cinar.documents.models import (
    Document,
    DocumentFromTemplate,
    DocumentTemplate,
    DocumentTemplateVersion,
)
from cinar.documents.templating import (
    template_context_build,
    template_render,
    template_validate,
)

from .conftest import login

BODY = "<p>Sayın {{ applicant.name|upper }},</p><p>{{ case.answer }}</p>"


def make_template(docs, **overrides):
    kwargs = {
        "actor": docs.org.admin,
        "code": "cevap",
        "name": "Cevap yazısı",
        "subject_template": "Başvurunuz ({{ case.tracking_code }})",
        "body_template": BODY,
        "file_plan_code": "045.03",
    }
    kwargs.update(overrides)
    return template_actions.document_template_create(**kwargs)


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("{% load static %}{% static 'x' %}", "{% load %}"),
        ("{% include 'base.html' %}", "{% include %}"),
        ("{% extends 'base.html' %}", "{% extends %}"),
        ("{% with a=1 %}{{ a }}{% endwith %}", "{% with %}"),
        ("{% debug %}", "{% debug %}"),
        ("{{ applicant.name|safe }}", "“safe”"),
        ("{{ applicant.name|slice:':3' }}", "“slice”"),
        ("{{ applicant.__class__ }}", "underscore"),
        ("{{ applicant.name.__class__.__mro__ }}", "underscore"),
        ("{{ settings.SECRET_KEY }}", "Unknown placeholder"),
        ("{% for x in request.user %}{{ x }}{% endfor %}", "Unknown placeholder"),
    ],
)
def test_validation_refuses_what_is_outside_the_safe_subset(body, needle):
    with pytest.raises(ValidationError) as exc:
        template_validate(subject_template="Konu", body_template=body)
    messages = exc.value.message_dict["body_template"]
    assert any(needle in m for m in messages), messages


def test_validation_names_the_subject_field():
    with pytest.raises(ValidationError) as exc:
        template_validate(subject_template="{% load i18n %}", body_template="<p>x</p>")
    assert "{% load %}" in exc.value.message_dict["subject_template"][0]


def test_allowed_subset_renders_turkish_text_correctly():
    subject, body = template_render(
        subject_template="{{ applicant.name|upper }} & {{ case.subject|title }}",
        body_template=(
            "<p>{{ applicant.name|upper }} / {{ applicant.name|lower }} / "
            "{{ case.subject|title }}</p><p>{{ today|date:'j F Y' }} · "
            "{{ case.submitted_on|date }}</p>"
            "{% for item in case.items %}<li>{{ forloop.counter }}. {{ item }}</li>{% endfor %}"
            "{% if case.missing %}VAR{% else %}{{ case.missing|default:'yok' }}{% endif %}"
        ),
        context={
            "applicant": {"name": "ismail IŞIK <b>"},
            "case": {
                "subject": "ılık iğde",
                "submitted_on": "2026-03-05",
                "items": ["Ek-1 <script>", "Ek-2"],
            },
            "today": dt.date(2026, 8, 30),
        },
    )
    assert subject == "İSMAİL IŞIK <B> & Ilık İğde"  # plain text: not escaped
    assert "İSMAİL IŞIK &lt;B&gt;" in body
    assert "ismail ışık &lt;b&gt;" in body
    assert "Ilık İğde" in body
    assert "30 Ağustos 2026" in body
    assert "05.03.2026" in body
    assert "<li>1. Ek-1 &lt;script&gt;</li><li>2. Ek-2</li>" in body
    assert body.endswith("yok")


def test_rendering_reads_dict_keys_only_never_attributes_or_methods():
    _subject, body = template_render(
        subject_template="x",
        body_template=(
            "[{{ applicant.items }}][{{ applicant.keys }}][{{ applicant.name.upper }}]"
            "[{{ today.year }}][{{ case.list.0 }}]"
        ),
        context={
            "applicant": {"name": "ayşe"},
            "today": dt.date(2026, 1, 2),
            "case": {"list": ["first"]},
        },
    )
    assert body == "[][][][][first]"


def test_context_build_has_the_organization_author_and_caller_data(docs):
    org = docs.org
    ctx = template_context_build(
        unit=org.yazilim,
        author=org.staff_member,
        applicant={"name": "Ayşe", "tckn_obj": object()},
        case={"tracking_code": "CNR-1", "when": dt.date(2026, 1, 5)},
        today=dt.date(2026, 3, 5),
    )
    assert ctx["institution"]["name"] == "Çınar Belediyesi"
    assert ctx["institution"]["detsis"] == "24300000"
    assert ctx["unit"]["name"] == "Yazılım Birimi"
    # the nearest unit with its own number
    assert ctx["unit"]["detsis"] == (org.yazilim.detsis_number or "24300100")
    assert ctx["unit"]["kep_address"] == "bilgiislem@hs01.kep.tr"
    assert ctx["unit"]["hierarchy"] == [
        "Çınar Belediyesi",
        "Bilgi İşlem Müdürlüğü",
        "Yazılım Birimi",
    ]
    bi = template_context_build(unit=org.bilgi_islem, author=org.staff_member)
    assert bi["unit"]["manager"]["name"] == "Ayşe Yılmaz"
    assert bi["unit"]["manager"]["title"]
    assert ctx["author"]["name"] == "Ömer Çelik"
    assert ctx["author"]["unit"] == "Yazılım Birimi"
    assert ctx["today_text"] == "5 Mart 2026"
    assert ctx["case"] == {"tracking_code": "CNR-1", "when": dt.date(2026, 1, 5)}
    assert isinstance(ctx["applicant"]["tckn_obj"], str)  # objects become text
    assert ctx["extra"] == {}


# --- actions ---------------------------------------------------------------------------------


def test_create_needs_manage_templates_and_a_valid_text(docs):
    with pytest.raises(PermissionDenied):
        make_template(docs, actor=docs.org.staff_member)
    with pytest.raises(ValidationError) as exc:
        make_template(docs, body_template="{% include 'x' %}")
    assert "body_template" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        make_template(docs, code="Bad Code!")
    assert "code" in exc.value.message_dict
    assert DocumentTemplate.objects.count() == 0
    template = make_template(docs)
    assert template.versions.get().number == 1
    assert AuditEvent.objects.filter(action="documents.template.create").count() == 1


def test_editing_the_text_is_a_new_version_and_drafts_keep_theirs(docs):
    template = make_template(docs)
    doc1 = template_actions.document_draft_from_template(
        actor=docs.org.staff_member,
        template=template,
        unit=docs.org.yazilim,
        applicant={"name": "ayşe ıŞık"},
        case={"tracking_code": "CNR-7", "answer": "Talebiniz <kabul> edildi & işlendi."},
        recipients=["Ayşe Işık"],
    )
    template_actions.document_template_update(
        actor=docs.org.admin, template=template, body_template="<p>Yeni: {{ case.answer }}</p>"
    )
    template_actions.document_template_update(
        actor=docs.org.admin, template=template, name="Cevap (yeni ad)"
    )
    assert list(template.versions.values_list("number", flat=True).order_by("number")) == [1, 2]
    doc2 = template_actions.document_draft_from_template(
        actor=docs.org.staff_member,
        template=template,
        unit=docs.org.yazilim,
        case={"answer": "Tamam"},
    )
    assert DocumentFromTemplate.objects.get(document=doc1).template_version.number == 1
    assert DocumentFromTemplate.objects.get(document=doc2).template_version.number == 2
    doc1.refresh_from_db()
    assert doc1.subject == "Başvurunuz (CNR-7)"
    assert "AYŞE IŞIK" in doc1.body_html
    assert "&lt;kabul&gt;" in doc1.body_html and "<kabul>" not in doc1.body_html
    assert doc1.status == "draft" and doc1.file_plan_code.code == "045.03"
    assert doc1.versions.count() == 1
    assert "Yeni: Tamam" in Document.objects.get(pk=doc2.pk).body_html
    with pytest.raises(ValidationError):
        template_actions.document_template_update(
            actor=docs.org.admin, template=template, body_template="{{ x|safe }}"
        )
    assert template.versions.count() == 2
    assert audit_chain_verify()[1] is None


def test_inactive_templates_are_not_used(docs):
    template = make_template(docs)
    template_actions.document_template_update(
        actor=docs.org.admin, template=template, is_active=False
    )
    template.refresh_from_db()
    with pytest.raises(ValidationError):
        template_actions.document_draft_from_template(
            actor=docs.org.staff_member, template=template, unit=docs.org.yazilim
        )


def test_drafting_for_a_unit_one_may_not_write_for_is_refused(docs):
    template = make_template(docs)
    before = Document.objects.count()
    with pytest.raises(PermissionDenied):
        template_actions.document_draft_from_template(
            actor=docs.org.other_staff, template=template, unit=docs.org.yazilim
        )
    assert Document.objects.count() == before
    assert DocumentFromTemplate.objects.count() == 0


def test_demo_templates_load_render_and_are_idempotent(docs):
    loaded = template_actions.document_templates_demo_load(actor=None)
    assert len(loaded) == 4
    assert template_actions.document_templates_demo_load(actor=None) == loaded
    assert DocumentTemplateVersion.objects.count() == 4
    for template in loaded:
        doc = template_actions.document_draft_from_template(
            actor=docs.org.staff_member,
            template=template,
            unit=docs.org.yazilim,
            applicant={"name": "Ayşe Yılmaz"},
            case={
                "tracking_code": "CNR-2026-1",
                "submitted_on": "2026-03-05",
                "answer": "Cevap",
                "subject": "Park",
            },
            extra={"topic": "Sunucu bakımı", "subject": "Bilgi", "paragraph": "Metin"},
        )
        assert doc.subject and doc.body_html.strip()
    info = DocumentTemplate.objects.get(code="bilgi-edinme-cevap")
    doc = Document.objects.filter(template_use__template_version__template=info).get()
    assert "5 Mart 2026" in doc.body_html and "4982" in doc.body_html


# --- views -----------------------------------------------------------------------------------


def test_template_views_authorization_matrix(client, docs):
    template = make_template(docs)
    urls = [
        reverse("documents:template_list"),
        reverse("documents:template_create"),
        reverse("documents:template_preview", args=[template.pk]),
        reverse("documents:template_edit", args=[template.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]
    expected = {
        docs.org.citizen: 403,
        docs.org.other_staff: 403,
        docs.org.staff_member: 403,
        docs.org.manager: 403,
        docs.org.admin: 200,
    }
    for user, status in expected.items():
        client.logout()
        login(client, user)
        for url in urls:
            assert client.get(url).status_code == status, (user, url)
        response = client.post(
            reverse("documents:template_edit", args=[template.pk]),
            {
                "name": "Değişti",
                "direction": "outgoing",
                "subject_template": "x",
                "body_template": "<p>y</p>",
                "is_active": "on",
            },
        )
        if status == 403:
            assert response.status_code == 403
            assert template.versions.count() == 1
    template.refresh_from_db()
    assert template.name == "Değişti" and template.versions.count() == 2


def test_create_view_shows_the_refused_tag_next_to_the_field(client, docs):
    login(client, docs.org.admin)
    response = client.post(
        reverse("documents:template_create"),
        {
            "code": "kotu",
            "name": "Kötü",
            "direction": "outgoing",
            "subject_template": "Konu",
            "body_template": "{% load static %}",
        },
    )
    assert response.status_code == 200
    assert "{% load %}" in response.content.decode()
    assert not DocumentTemplate.objects.filter(code="kotu").exists()


def test_preview_renders_sample_data(client, docs):
    template = make_template(docs)
    login(client, docs.org.admin)
    response = client.get(reverse("documents:template_preview", args=[template.pk]))
    html = response.content.decode()
    assert "AYŞE YILMAZ" in html and "CNR-2026-000123" in html


def test_draft_from_template_view_matrix(client, docs):
    template = make_template(docs)
    url = reverse("documents:draft_from_template")
    assert client.get(url).status_code == 302
    login(client, docs.org.citizen)
    assert client.get(url).status_code == 403
    assert client.post(url, {"template": template.pk}).status_code == 403
    client.logout()
    login(client, docs.org.other_staff)
    response = client.post(
        url, {"template": template.pk, "unit": docs.org.yazilim.pk, "applicant_name": "X"}
    )
    assert response.status_code == 200  # the unit is not among the choices
    assert Document.objects.count() == 0
    client.logout()
    login(client, docs.org.staff_member)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "template": template.pk,
            "unit": docs.org.yazilim.pk,
            "applicant_name": "ömer çelik",
            "tracking_code": "CNR-9",
            "answer": "Olumlu",
            "recipients": "Ömer Çelik",
        },
    )
    document = Document.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("documents:edit", args=[document.pk])
    assert "ÖMER ÇELİK" in document.body_html
    assert document.recipients.get().label == "Ömer Çelik"
    assert client.get(reverse("documents:draft_create")).content.decode().count(url) >= 1
