from __future__ import annotations

import itertools

import factory

from cinar.core.identity_numbers import tckn_with_checksum
from cinar.identity.models import User, UserKind

_tckn_counter = itertools.count(100000001)
DEFAULT_PASSWORD = "Correct-Horse-42"


def next_tckn() -> str:
    return tckn_with_checksum(str(next(_tckn_counter)))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="tr_TR")
    last_name = factory.Faker("last_name", locale="tr_TR")
    email = factory.Sequence(lambda n: f"user{n}@example.test")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffFactory(UserFactory):
    kind = UserKind.STAFF
    username = factory.Sequence(lambda n: f"staff{n}")


class CitizenFactory(UserFactory):
    kind = UserKind.CITIZEN
    tckn = factory.LazyFunction(next_tckn)
    username = factory.SelfAttribute("tckn")


class CompanyUserFactory(UserFactory):
    kind = UserKind.COMPANY
    vkn = "1234567890"
    company_name = factory.Faker("company", locale="tr_TR")
    username = factory.SelfAttribute("email")
