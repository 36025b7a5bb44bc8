"""The UAVT address picker on the apply form of a request/complaint service:
neighbourhood → street → building number from the UAVT sandbox, htmx partial and the
no-JavaScript post-back; the chosen building's code is stored on the case."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cinar.cases.models import Case
from cinar.integrations.uavt import address_registry, municipality_district_code
from cinar.portal.tests.conftest import complaint_form

pytestmark = pytest.mark.django_db

APPLY = reverse("portal:apply", args=["BLD-001"])
PICKER = reverse("portal:address_picker", args=["BLD-001"])


def test_the_apply_form_offers_the_neighbourhoods(client, people, place):
    hood, _street, _building = place
    client.force_login(people.a)
    content = client.get(APPLY).content.decode()
    assert 'name="case-uavt_neighbourhood"' in content
    assert f'<option value="{hood.code}">{hood.name}</option>' in content
    assert 'hx-get="' + PICKER + '"' in content
    assert 'name="uavt-refresh"' in content  # inside <noscript>


def test_htmx_partial_lists_the_next_level(client, people, place):
    hood, street, building = place
    client.force_login(people.a)
    streets = client.get(PICKER, {"case-uavt_neighbourhood": hood.code}).content.decode()
    assert street.full_name in streets and 'id="address-picker"' in streets
    numbers = client.get(
        PICKER, {"case-uavt_neighbourhood": hood.code, "case-uavt_street": street.code}
    ).content.decode()
    assert f'<option value="{building.code}">{building.number}</option>' in numbers
    # A street of another neighbourhood is ignored, not trusted.
    other = address_registry().neighbourhoods(district_code=municipality_district_code())[1]
    mixed = client.get(
        PICKER, {"case-uavt_neighbourhood": other.code, "case-uavt_street": street.code}
    ).content.decode()
    assert building.code not in mixed


def test_picker_access(client, people):
    response = client.get(PICKER)
    assert response.status_code == 302 and "/accounts/" in response["Location"]
    client.force_login(people.a)
    assert client.get(PICKER).status_code == 200
    # Services that take no location have no picker.
    assert client.get(reverse("portal:address_picker", args=["BLD-002"])).status_code == 404


def test_without_javascript_the_form_comes_back_with_the_streets(client, people, place):
    hood, street, _building = place
    client.force_login(people.a)
    response = client.post(
        APPLY, complaint_form(**{"uavt-refresh": "1", "case-uavt_neighbourhood": hood.code})
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert street.full_name in content
    assert "Sokak lambası yanmıyor" in content  # what was typed is kept
    assert "invalid-feedback" not in content  # not submitted: no errors shown
    assert Case.objects.count() == 0


def test_the_chosen_building_is_stored_on_the_case(client, people, place):
    hood, street, building = place
    client.force_login(people.a)
    response = client.post(
        APPLY,
        complaint_form(
            **{
                "case-uavt_neighbourhood": hood.code,
                "case-uavt_street": street.code,
                "case-uavt_building": building.code,
            }
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    case = Case.objects.get()
    assert case.uavt_code == building.code
    assert (
        case.address_text
        == f"{hood.name} Mah. {street.short_name} No: {building.number} {hood.postal_code}"
    )
    assert float(case.latitude) == pytest.approx(building.latitude, abs=1e-6)
    assert float(case.longitude) == pytest.approx(building.longitude, abs=1e-6)


def test_a_typed_address_and_the_phones_point_win_over_the_building(client, people, place):
    hood, street, building = place
    client.force_login(people.a)
    client.post(
        APPLY,
        complaint_form(
            **{
                "case-uavt_neighbourhood": hood.code,
                "case-uavt_street": street.code,
                "case-uavt_building": building.code,
                "case-address_text": "Okulun önündeki direk",
                "case-latitude": "40.970000",
                "case-longitude": "29.280000",
            }
        ),
    )
    case = Case.objects.get()
    assert case.uavt_code == building.code and case.address_text == "Okulun önündeki direk"
    assert str(case.latitude) == "40.970000"


def test_half_a_choice_or_a_forged_code_is_refused(client, people, place):
    hood, street, _building = place
    client.force_login(people.a)
    half = client.post(APPLY, complaint_form(**{"case-uavt_neighbourhood": hood.code}))
    assert half.status_code == 200
    assert "Choose the street and the building number too" in half.content.decode()
    forged = client.post(
        APPLY,
        complaint_form(
            **{
                "case-uavt_neighbourhood": hood.code,
                "case-uavt_street": street.code,
                "case-uavt_building": "99999999",
            }
        ),
    )
    assert forged.status_code == 200
    assert "Select a valid choice" in forged.content.decode()
    assert Case.objects.count() == 0
