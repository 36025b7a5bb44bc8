"""The layout helpers in cinar_tags."""

from __future__ import annotations

from django.template import Context, Template
from django.test import RequestFactory


def render(source: str, **context) -> str:
    return Template("{% load cinar_tags %}" + source).render(Context(context)).strip()


def test_url_or_none_resolves_existing_names():
    assert render('{% url_or_none "portal:home" as u %}[{{ u }}]') == "[/]"


def test_url_or_none_is_none_for_unknown_names():
    assert render('{% url_or_none "nope:nothing" as u %}{% if u %}yes{% else %}no{% endif %}') == (
        "no"
    )


def test_path_if_routed():
    assert render('{% path_if_routed "/" as p %}[{{ p }}]') == "[/]"
    assert render('{% path_if_routed "/no/such/path/" as p %}[{{ p|default:"" }}]') == "[]"


def test_nav_current_marks_exact_and_section_pages():
    request = RequestFactory().get("/staff/organization/units/")
    assert render("{% nav_current u %}", request=request, u="/staff/organization/") == (
        'aria-current="page"'
    )
    assert render("{% nav_current u exact=True %}", request=request, u="/staff/organization/") == ""
    assert render("{% nav_current u %}", request=request, u="/") == ""
    assert render("{% nav_current u %}", request=request, u=None) == ""
