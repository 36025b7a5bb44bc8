"""The Turkish catalogue: complete, well-formed, and actually used at run time.

The catalogue is compiled afresh into a temporary LOCALE_PATHS, so the test neither needs
`make install` nor can pass on a stale .mo file. Whether the catalogue is up to date with
the code (a fresh extraction) is checked by `make lint` (scripts/check_translations.py).
"""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext

from cinar.core.identity_numbers import validate_tckn, validate_vkn

ROOT = Path(__file__).resolve().parent.parent
TR_PO = ROOT / "locale" / "tr" / "LC_MESSAGES" / "django.po"
EN_PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _check_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "check_translations", ROOT / "scripts" / "check_translations.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check = _check_module()


@pytest.fixture
def compiled_locale(settings, tmp_path) -> Iterator[Path]:
    """Compile locale/*.po into a scratch LOCALE_PATHS (the setting change resets the
    translation caches) and restore the caches afterwards."""
    for po_path in (TR_PO, EN_PO):
        language = po_path.parent.parent.name
        target = tmp_path / "locale" / language / "LC_MESSAGES"
        target.mkdir(parents=True)
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        with (target / "django.mo").open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    yield tmp_path / "locale"


def test_turkish_catalogue_is_complete_and_placeholders_match():
    problems = check.catalogue_problems(check.read_catalogue(TR_PO))
    assert problems == []


def test_turkish_catalogue_declares_turkish_plurals():
    with TR_PO.open("rb") as handle:
        catalog = read_po(handle, locale="tr")
    assert str(catalog.locale) == "tr"
    assert catalog.num_plurals == 2
    assert len(catalog) > 900


def test_english_catalogue_has_nothing_fuzzy_or_translated_differently():
    with EN_PO.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        assert all(s in ("", *ids) for s in strings), message.id


def test_the_check_reports_broken_catalogues():
    broken = (
        'msgid ""\nmsgstr ""\n"Language: tr\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n\n'
        '#, python-format\nmsgid "Hello %(name)s"\nmsgstr "Merhaba %(ad)s"\n\n'
        'msgid "Untranslated"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "Fuzzy"\nmsgstr "Bulanık"\n\n'
        '#, python-format\nmsgid "%(n)s off"\nmsgstr "%50 %(n)s"\n\n'
        'msgid "Read <a>this</a>"\nmsgstr "Bunu okuyun"\n\n'
        'msgid "Ten percent"\nmsgstr "%10"\n'
    )
    catalog = read_po(io.BytesIO(broken.encode()), locale="tr")
    problems = check.catalogue_problems(catalog)
    assert [p.split(":")[0] for p in problems] == [
        "placeholders differ",
        "untranslated",
        "fuzzy (check the translation, then drop the flag)",
        "stray '%' (write '%%' for a percent sign)",
        "HTML tags differ",
    ]
    assert "'Hello %(name)s'" in problems[0]


@pytest.mark.usefixtures("compiled_locale")
def test_key_strings_are_turkish_under_tr():
    with translation.override("tr"):
        # Ours beat Django's own Turkish catalogue ("Home" is "Giriş" there).
        assert gettext("Home") == "Ana sayfa"
        assert gettext("Log in") == "Giriş yap"
        assert gettext("Log out") == "Çıkış yap"
        assert gettext("T.C. identity number, e-mail or username") == (
            "T.C. Kimlik No, e-posta veya kullanıcı adı"
        )
        assert pgettext("audit category", "Change") == "Değişiklik"
        assert ngettext("%(counter)s service", "%(counter)s services", 3) % {"counter": 3} == (
            "3 hizmet"
        )
        with pytest.raises(ValidationError) as error:
            validate_tckn("123")
        assert error.value.messages == ["T.C. Kimlik No tam olarak 11 haneden oluşur."]
        with pytest.raises(ValidationError) as error:
            validate_vkn("1234567891")
        assert "kontrol hanesi" in error.value.messages[0]


@pytest.mark.usefixtures("compiled_locale")
def test_key_strings_stay_english_under_en():
    with translation.override("en"):
        assert gettext("Home") == "Home"
        assert gettext("Log in") == "Log in"
        with pytest.raises(ValidationError) as error:
            validate_tckn("123")
        assert error.value.messages == ["A T.C. identity number has exactly 11 digits."]


@pytest.mark.django_db
@pytest.mark.usefixtures("compiled_locale")
@pytest.mark.parametrize(
    ("language", "expected", "absent"),
    [
        ("tr", ["Giriş yap", "Parolanızı mı unuttunuz?"], "Forgot your password?"),
        ("en", ["Sign in", "Forgot your password?"], "Parolanızı mı unuttunuz?"),
    ],
)
def test_login_page_speaks_the_chosen_language(client, language, expected, absent):
    client.cookies["django_language"] = language
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in expected:
        assert text in html
    assert absent not in html
