"""The demo services' processes: imported as executable with the real import action,
linked to their services, routed to the demo units, and walked to completion with
sensible form data (branches chosen by that data)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cinar.catalog.models import Service
from cinar.demo.actions import demo_load
from cinar.demo.processes import SERVICE_PROCESSES, demo_process_xml, demo_processes_load
from cinar.identity.models import User
from cinar.workflow import actions, queries, routing
from cinar.workflow.models import InstanceStatus, ProcessVersion, WorkItem, WorkItemStatus
from cinar.workflow.sla import sla_sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    now = timezone.now()
    demo_load(now=now)
    return now


def _actor_for(item: WorkItem) -> User:
    """The first demo staff member allowed to complete ``item`` (assignee, deputy or a
    member of its queue)."""
    for user in User.objects.filter(kind="staff").order_by("username"):
        may, _on_behalf = routing.acting_capacity(user, item)
        if may:
            return user
    raise AssertionError(f"nobody may complete {item.element_id} ({item.candidate_unit})")


def _walk(instance, answers: dict[str, list[dict]], messages: list[str], limit: int = 40):
    """Complete every open item with the next answer for its element and deliver the
    planned messages when the instance waits; returns {element id: who completed it}."""
    answers = {k: list(v) for k, v in answers.items()}
    messages = list(messages)
    done: dict[str, list[str]] = {}
    for _round in range(limit):
        instance.refresh_from_db()
        if instance.status != InstanceStatus.RUNNING:
            break
        item = (
            instance.work_items.filter(status__in=[WorkItemStatus.READY, WorkItemStatus.CLAIMED])
            .order_by("pk")
            .first()
        )
        if item is not None:
            assert answers.get(item.element_id), f"unexpected step {item.element_id}"
            actor = _actor_for(item)
            actions.work_item_complete(
                actor=actor, work_item=item, data=answers[item.element_id].pop(0)
            )
            done.setdefault(item.element_id, []).append(actor.username)
            continue
        waiting = queries.process_instance_waiting_messages(instance=instance)
        assert waiting and messages, f"stuck: waiting for {waiting}"
        name = messages.pop(0)
        assert name in waiting
        actions.process_instance_message(instance=instance, name=name, payload={})
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED, instance.error
    assert not any(answers.values()), f"steps never reached: {answers}"
    assert not messages
    return done


def _start(code: str, **data):
    service = Service.objects.get(code=code)
    admin = User.objects.get(username="admin")
    return actions.process_instance_start(
        actor=admin,
        definition_key=service.process_key,
        data={"legal_duration_days": service.completion_days, **data},
    )


def test_every_demo_service_has_an_active_executable_process(demo):
    services = Service.objects.filter(code__in=SERVICE_PROCESSES)
    assert services.count() == 10
    for service in services:
        version = ProcessVersion.objects.get(definition__key=service.process_key, is_active=True)
        assert version.is_executable
        assert version.report["unsupported"] == []
        # Drawn for bpmn-js: the stored XML carries the generated diagram.
        assert "BPMNShape" in version.xml and "BPMNEdge" in version.xml


def test_loading_again_changes_nothing(demo):
    admin = User.objects.get(username="admin")
    services = list(Service.objects.filter(code__in=SERVICE_PROCESSES))
    before = {s.code: s.process_key for s in services}
    versions_before = ProcessVersion.objects.count()
    again = demo_processes_load(actor=admin, services=services)
    assert ProcessVersion.objects.count() == versions_before
    assert {code: v.number for code, v in again.items()} == dict.fromkeys(SERVICE_PROCESSES, 1)
    assert {
        s.code: s.process_key for s in Service.objects.filter(code__in=SERVICE_PROCESSES)
    } == before


def test_demo_files_are_laid_out_deterministically():
    for filename in SERVICE_PROCESSES.values():
        assert demo_process_xml(filename) == demo_process_xml(filename)


def test_beyaz_masa_waits_for_the_citizens_document_then_answers(demo):
    instance = _start("BLD-001", responsible_unit="DHM-BO", konu="yol")
    first = instance.work_items.get()
    assert first.candidate_role == "records_officer"  # Beyaz Masa (evrak kayıt)
    done = _walk(
        instance,
        {
            "kayit": [{"oncelik": "normal", "kayit_notu": "Kaldırımda çökme"}],
            "havale": [{"gorevlendirme": "Bakım ekibi 2"}],
            "inceleme": [
                {"inceleme_raporu": "Fotoğraf gerekli", "sonuc": "ek_bilgi"},
                {"inceleme_raporu": "Kaldırım onarıldı", "sonuc": "cozuldu"},
            ],
            "ek_bilgi_iste": [{"istenen_belge": "Olay yerinin fotoğrafı"}],
            "cevap_yazisi": [{"cevap_metni": "Talebiniz yerine getirilmiştir."}],
        },
        ["belge_eklendi"],
    )
    assert done["kayit"] == ["dhm.idari"]
    # "İlgili birim" is the responsible unit from the start data: Bakım ve Onarım.
    assert done["havale"] == ["dhm.bakim"] and done["inceleme"] == ["dhm.bakim"] * 2


def test_beyaz_masa_outside_the_municipalitys_remit(demo):
    instance = _start("BLD-001", responsible_unit="DHM-BO")
    done = _walk(
        instance,
        {
            "kayit": [{"oncelik": "acil"}],
            "havale": [{"gorevlendirme": "Şef"}],
            "inceleme": [{"inceleme_raporu": "Karayolları yolu", "sonuc": "yetki_disi"}],
            "yetkili_kuruma_yonlendir": [{"yetkili_kurum": "Karayolları Genel Müdürlüğü"}],
            "cevap_yazisi": [{"cevap_metni": "Başvurunuz yetkili kuruma iletilmiştir."}],
        },
        [],
    )
    assert "ek_bilgi_iste" not in done


def test_bilgi_edinme_answer_within_time(demo):
    instance = _start("BLD-002", responsible_unit="BIM")
    instance.refresh_from_db()
    assert instance.due_at is not None  # 15 iş günü
    _walk(
        instance,
        {
            "kayit": [{"kapsam": "kapsamda"}],
            "hazirla": [{"hazirlanan_bilgi": "2025 bilgi işlem alımları listesi"}],
            "cevap": [{"gonderim": "eposta"}],
        },
        [],
    )


def test_bilgi_edinme_out_of_scope_is_refused(demo):
    done = _walk(
        _start("BLD-002", responsible_unit="BIM"),
        {
            "kayit": [{"kapsam": "kapsam_disi"}],
            "kapsam_disi_cevap": [{"ret_gerekcesi": "Ticari sır (md. 23)"}],
        },
        [],
    )
    assert "hazirla" not in done


def test_bilgi_edinme_timer_escalates_to_the_manager_before_the_breach(demo):
    instance = _start("BLD-002", responsible_unit="BIM")
    item = instance.work_items.get()
    actions.work_item_complete(actor=_actor_for(item), work_item=item, data={"kapsam": "kapsamda"})
    # Nobody prepares the answer; ten calendar days later the boundary timer fires.
    sla_sweep(now=timezone.now() + dt.timedelta(days=10, hours=1))
    escalation = instance.work_items.get(element_id="gecikme_takibi")
    assert escalation.candidate_unit.code == "BLD"  # the makam (its manager is the mayor)
    assert instance.work_items.filter(element_id="hazirla", status="ready").exists()
    assert _actor_for(escalation).username == "baskan"
    _walk(
        instance,
        {
            "hazirla": [{"hazirlanan_bilgi": "Liste hazırlandı", "kismi_erisim": True}],
            "gecikme_takibi": [{"talimat": "Yarın gönderilsin"}],
            "cevap": [{"gonderim": "kep"}],
        },
        [],
    )


def test_imar_durumu_waits_for_the_payment(demo):
    _walk(
        _start("BLD-003", responsible_unit="BLD"),
        {
            "kayit": [{"ucret": "odenmedi"}],
            "plan_sorgusu": [{"plan_fonksiyonu": "konut", "taks": "0.30", "kat_adedi": 4}],
            "belge_hazirla": [{"belge_no": "İDB-2026-0042"}],
            "onay": [{}],
        },
        ["odeme_alindi"],
    )


def test_yapi_ruhsati_reviews_projects_in_parallel_and_the_harc_is_calculated(demo):
    instance = _start("BLD-004", responsible_unit="BLD")
    item = instance.work_items.get()
    actions.work_item_complete(
        actor=_actor_for(item), work_item=item, data={"insaat_alani": 450, "evrak": "tam"}
    )
    parallel = set(instance.work_items.filter(status="ready").values_list("element_id", flat=True))
    assert parallel == {"statik", "mimari", "tesisat"}
    done = _walk(
        instance,
        {
            "statik": [{"statik_sonuc": "uygun"}],
            "mimari": [{"mimari_sonuc": "notlu_uygun"}],
            "tesisat": [{"tesisat_sonuc": "uygun"}],
            "ruhsat_onayi": [{"karar": "onay", "ruhsat_no": "YR-2026-17"}],
        },
        [],
    )
    instance.refresh_from_db()
    assert instance.data["harc_tutari"] == 450 * 12
    assert done["ruhsat_onayi"] == ["baskan"]


def test_yapi_ruhsati_with_missing_documents_and_refusal(demo):
    _walk(
        _start("BLD-004", responsible_unit="BLD"),
        {
            "on_kontrol": [
                {"insaat_alani": 120, "evrak": "eksik"},
                {"insaat_alani": 120, "evrak": "tam"},
            ],
            "eksik_bildir": [{"eksikler": "Yapı denetim sözleşmesi"}],
            "statik": [{"statik_sonuc": "uygun"}],
            "mimari": [{"mimari_sonuc": "uygun"}],
            "tesisat": [{"tesisat_sonuc": "uygun"}],
            "ruhsat_onayi": [{"karar": "red"}],
        },
        ["belge_eklendi"],
    )


def test_yapi_kullanma_izni(demo):
    _walk(
        _start("BLD-005", responsible_unit="BLD"),
        {
            "belge_kontrolu": [{"belgeler": "tam"}],
            "yerinde_kontrol": [{"uygunluk": "uygun", "tespitler": "Ruhsata uygun"}],
            "sgk_kontrolu": [{"sgk_yazi_no": "SGK-123"}],
            "itfaiye_kontrolu": [{"itfaiye_rapor_no": "İTF-9"}],
            "iskan_onayi": [{"iskan_no": "YKİ-2026-3"}],
        },
        [],
    )


def test_yapi_kullanma_izni_refused_when_the_building_differs(demo):
    done = _walk(
        _start("BLD-005", responsible_unit="BLD"),
        {
            "belge_kontrolu": [{"belgeler": "tam"}],
            "yerinde_kontrol": [{"uygunluk": "aykiri"}],
            "aykirilik_tutanagi": [{"tutanak_no": "T-77"}],
        },
        [],
    )
    assert "iskan_onayi" not in done


def test_evlendirme(demo):
    instance = _start("BLD-006", responsible_unit="BLD")
    _walk(
        instance,
        {
            "belge_kontrolu": [{"belgeler": "eksik"}, {"belgeler": "tam"}],
            "eksik_bildir": [{"eksikler": "Sağlık raporu"}],
            "planlama": [{"nikah_tarihi": "2026-06-12", "salon": "acik_hava", "mesai_disi": True}],
            "nikah": [{"aile_cuzdani_no": "A-1234567"}],
        },
        ["belge_eklendi"],
    )
    instance.refresh_from_db()
    assert instance.data["ucret_tutari"] == 1050


def test_bim_ariza_inclusive_gateway_runs_the_chosen_teams(demo):
    instance = _start("BIM-001")
    triage = instance.work_items.get()
    assert triage.candidate_unit.code == "BIM-DT"
    actions.work_item_complete(
        actor=_actor_for(triage),
        work_item=triage,
        data={"donanim": True, "ag": True, "oncelik": "yuksek"},
    )
    queues = dict(
        instance.work_items.filter(status="ready").values_list("element_id", "candidate_unit__code")
    )
    assert queues == {"donanim_onarimi": "BIM-DT", "ag_kontrolu": "BIM-SN"}
    done = _walk(
        instance,
        {
            "donanim_onarimi": [{"donanim_islem": "Güç kaynağı değişti", "parca_degisti": True}],
            "ag_kontrolu": [{"ag_islem": "Switch portu açıldı"}],
        },
        [],
    )
    assert done["donanim_onarimi"] == ["bim.destek"]
    instance.refresh_from_db()
    assert instance.data["talep_durumu"] == "kapatildi"


def test_bim_ariza_with_no_team_gets_remote_support(demo):
    _walk(
        _start("BIM-001"),
        {
            "on_inceleme": [{"oncelik": "dusuk"}],
            "uzaktan_destek": [{"destek_notu": "Şifre sıfırlandı"}],
        },
        [],
    )


def test_arac_bakim_through_the_authorised_service(demo):
    done = _walk(
        _start("DHM-001"),
        {
            "ariza_tespiti": [{"tespit": "Fren balatası", "onarim_yeri": "yetkili_servis"}],
            "servis_satinalma": [{"servis_firma": "Yetkili Servis A.Ş.", "tutar": 8500}],
            "kalite_kontrol": [{"teslim_km": 84210}],
        },
        [],
    )
    assert done["ariza_tespiti"] == ["dhm.makine"]
    assert done["servis_satinalma"] == ["dhm.satinalma"]


def test_arac_bakim_in_the_workshop(demo):
    instance = _start("DHM-001")
    _walk(
        instance,
        {
            "ariza_tespiti": [{"tespit": "Periyodik bakım", "onarim_yeri": "atolye"}],
            "atolye_onarim": [{"yapilan_is": "Yağ ve filtre değişimi"}],
            "kalite_kontrol": [{"teslim_km": 60000}],
        },
        [],
    )
    instance.refresh_from_db()
    assert instance.data["sonraki_bakim_km"] == 75000


@pytest.mark.parametrize(
    ("puan", "last_step", "answer"),
    [
        (72, "kayit", {"sinif": "Aşçılık-A", "baslangic": "2026-09-01"}),
        (35, "yedek_liste", {"yedek_sira": 4}),
    ],
)
def test_mesleki_kurs_score_decides(demo, puan, last_step, answer):
    done = _walk(
        _start("SPD-001"),
        {
            "on_degerlendirme": [{"uygunluk": "uygun"}],
            "seviye_belirleme": [{"puan": puan}],
            last_step: [answer],
        },
        [],
    )
    assert done["on_degerlendirme"] == ["spd.meslek"]


def test_mesleki_kurs_refused(demo):
    done = _walk(
        _start("SPD-001"),
        {"on_degerlendirme": [{"uygunluk": "uygun_degil", "gerekce": "Yaş sınırı"}]},
        [],
    )
    assert list(done) == ["on_degerlendirme"]


def test_engelli_ulasim(demo):
    done = _walk(
        _start("SPD-002"),
        {
            "uygunluk": [{"rapor": "gecerli"}],
            "planlama": [{"arac": "rampali", "surucu": "Mehmet Y.", "alis_saati": "09:30"}],
            "yolculuk": [{"durum": "tamamlandi"}],
        },
        [],
    )
    assert done["uygunluk"] == ["spd.engelsiz"]


def test_engelli_ulasim_without_a_valid_report(demo):
    done = _walk(_start("SPD-002"), {"uygunluk": [{"rapor": "gecersiz"}]}, [])
    assert list(done) == ["uygunluk"]
