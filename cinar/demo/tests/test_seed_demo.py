import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from cinar.audit.queries import audit_chain_verify
from cinar.identity.models import User, UserKind
from cinar.organization.models import Delegation, Unit
from cinar.organization.queries import work_recipient_resolve

pytestmark = pytest.mark.django_db


def _seed(capsys):
    call_command("seed_demo", "--force")
    return capsys.readouterr().out


def test_seed_demo_builds_the_structures_of_the_seeds(capsys):
    out = _seed(capsys)

    bim = Unit.objects.get(name="Bilgi İşlem Müdürlüğü")
    assert sorted(u.name for u in bim.children.all()) == sorted(
        [
            "Sistem ve Network Yönetim Birimi",
            "Donanım, Bakım ve Teknik Destek Birimi",
            "İletişim Araçları ve Altyapı Birimi",
            "Yazılım Geliştirme ve Uygulama Birimi",
        ]
    )
    assert Unit.objects.get(name="Destek Hizmetleri Müdürlüğü").children.count() == 5
    spd = Unit.objects.get(name="Sosyal Projeler Dairesi Başkanlığı")
    assert spd.children.filter(kind="branch").count() == 7
    assert all(len(u.detsis_number) == 8 for u in Unit.objects.all())
    assert bim.manager.username == "bim.mudur"

    assert User.objects.filter(kind=UserKind.CITIZEN).count() == 2
    assert User.objects.filter(kind=UserKind.COMPANY).count() == 1
    assert "Demo logins" in out and "bim.mudur" in out

    # The catalog holds the seeds' services, and the administrator may edit them.
    from cinar.catalog.models import Service
    from cinar.organization.models import Role

    assert Service.objects.count() == 10
    assert Service.objects.filter(name__icontains="Yapı Ruhsatı").exists()
    system_admin = Role.objects.get(code="system_admin")
    assert system_admin.permissions.filter(
        content_type__app_label="catalog", codename="manage_services"
    ).exists()

    # The running delegation routes the director's work to her chief.
    assert Delegation.objects.active_at(timezone.now()).count() == 1
    resolution = work_recipient_resolve(
        user=User.objects.get(username="bim.mudur"), at=timezone.now(), scope="workflow"
    )
    assert resolution.recipient.username == "bim.sef"
    assert resolution.on_behalf_of.username == "bim.mudur"

    # Letters can be drafted from the demo templates.
    from cinar.documents.models import DocumentTemplate

    assert DocumentTemplate.objects.count() == 4

    # Applications arrived on several channels, each with its process running.
    from cinar.cases.models import Case

    assert Case.objects.count() == 4
    assert Case.objects.values("channel").distinct().count() >= 3
    assert all(case.process_instance_id for case in Case.objects.all())

    # A demo Open311 client application (its key is in the README).
    from cinar.open311.models import ClientApplication

    assert ClientApplication.objects.filter(name="Çınar Mobil (demo)").exists()

    # Everything was audited, and the chain is intact.
    checked, problem = audit_chain_verify()
    assert problem is None and checked > 50


def test_seed_demo_is_idempotent(capsys):
    _seed(capsys)
    units = Unit.objects.count()
    users = User.objects.count()
    out = _seed(capsys)
    assert "already loaded" in out
    assert (Unit.objects.count(), User.objects.count()) == (units, users)


def test_seed_demo_refuses_without_debug_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not Unit.objects.exists()


def test_signers_get_a_demo_totp_device_whose_code_verifies(capsys):
    _seed(capsys)
    admin = User.objects.get(username="admin")
    assert admin.must_use_two_factor
    call_command("demo_totp", "admin")
    code = re.match(r"(\d{6})", capsys.readouterr().out).group(1)
    device = TOTPDevice.objects.get(user=admin, name="demo")
    assert device.verify_token(code)


def test_demo_totp_refuses_accounts_without_a_demo_device():
    User.objects.create_user(username="someone", password="x" * 12, kind=UserKind.STAFF)
    with pytest.raises(CommandError, match="no demo TOTP device"):
        call_command("demo_totp", "someone")


def test_history_gives_the_dashboards_a_year_once(capsys):
    from cinar.cases.models import Case
    from cinar.insights.models import DailyServiceStats

    call_command("seed_demo", "--force", "--history", "60", "--quiet-logins")
    assert "A year of history: 60 synthetic applications." in capsys.readouterr().out
    synthetic = Case.objects.filter(idempotency_scope="insights.synthetic")
    assert synthetic.count() == 60
    assert DailyServiceStats.objects.exists()  # the rollups were built
    call_command("seed_demo", "--force", "--history", "60", "--quiet-logins")
    assert synthetic.count() == 60  # an already loaded demo gets no second year
