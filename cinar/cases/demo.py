"""Demo applications, made through ``case_submit`` like any real one (idempotent: fixed
idempotency keys, so running it twice creates nothing new). Wired into seed_demo by
the demo app: ``cases_demo_load(actor=<a staff operator>)``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model

from cinar.cases.actions import case_submit
from cinar.cases.models import Case
from cinar.cases.types import ApplicantInput, Location

SERVICE = "BLD-001"  # İstek, Şikayet ve Öneri (Beyaz Masa)


def cases_demo_load(*, actor: Any) -> list[Case]:
    """A few applications on different channels: web by the demo citizens (one with a
    map point), one by the call center, one at the Beyaz Masa desk with an address only.
    ``actor`` is the operator (a staff member) for the call-center and desk ones."""
    citizens = list(
        get_user_model().objects.filter(kind="citizen").exclude(tckn="").order_by("pk")[:2]
    )
    cases: list[Case] = []
    web = [
        (
            {
                "basvuru_turu": "sikayet",
                "konu": "aydinlatma",
                "aciklama": "Sokak lambası yanmıyor.",
            },
            Location(
                latitude=Decimal("41.002300"),
                longitude=Decimal("29.231700"),
                address_text="Atatürk Mah., Yıldız Sk. No: 4",
            ),
        ),
        (
            {
                "basvuru_turu": "istek",
                "konu": "park",
                "aciklama": "Parka bank konulmasını rica ederim.",
            },
            None,
        ),
    ]
    for citizen, (form, location) in zip(citizens, web, strict=False):
        cases.append(
            case_submit(
                actor=citizen,
                service_code=SERVICE,
                channel="web",
                applicant=ApplicantInput(user=citizen),
                form_data=form,
                description=str(form["aciklama"]),
                location=location,
                idempotency_key=f"demo-web-{citizen.pk}",
            )
        )
    if citizens:
        caller = citizens[-1]
        cases.append(
            case_submit(
                actor=actor,
                service_code=SERVICE,
                channel="call_center",
                applicant=ApplicantInput(
                    user=None,
                    tckn=caller.tckn or "",
                    phone=caller.phone,
                    notification_channel="sms",
                ),
                form_data={
                    "basvuru_turu": "sikayet",
                    "konu": "temizlik",
                    "aciklama": "Çöpler üç gündür alınmadı (444 hattından).",
                },
                description="Çöpler üç gündür alınmadı.",
                idempotency_key="demo-call-center-1",
            )
        )
        visitor = citizens[0]
        cases.append(
            case_submit(
                actor=actor,
                service_code=SERVICE,
                channel="service_desk",
                applicant=ApplicantInput(
                    user=None,
                    tckn=visitor.tckn or "",
                    email=visitor.email,
                    notification_channel="email",
                ),
                form_data={
                    "basvuru_turu": "sikayet",
                    "konu": "yol",
                    "aciklama": "Kaldırımda çökme var.",
                    "adres": "Sancaktepe, Osmangazi Mah., Bahar Cd. No: 12",
                },
                description="Kaldırımda çökme var (Beyaz Masa).",
                location=Location(
                    latitude=None,
                    longitude=None,
                    address_text="Sancaktepe, Osmangazi Mah., Bahar Cd. No: 12",
                ),
                idempotency_key="demo-beyaz-masa-1",
            )
        )
    return cases
