"""e-Yazışma conformance against what public sources show (ADR 0015, "Sources").

The foreign packages here are built by hand, independently of our writer, in the shape of
the sample packages published with eyazisma.online.api (Apache-2.0; its test files
``paketv1x.eyp`` / ``paketv2x.eyp``): the ``PaketOzeti`` relationship type in that case,
Default content types, XML with a byte-order mark, relative relationship targets, NihaiOzet
references in the PaketOzeti namespace, 2.x without BelgeHedef and with a ParafOzeti, 1.x
with SHA-256 digests and its seal under ``/Muhurler/``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import uuid
import zipfile

import pytest
from lxml import etree

from cinar.documents.eyazisma import (
    EYPDigestMismatch,
    SignatureStatus,
    build_package,
    cades,
    read_package,
)
from cinar.documents.eyazisma import constants as c
from cinar.documents.eyazisma.testing import MINIMAL_PDF, make_key_and_cert, sample_paket

BOM = "\ufeff"
REL = "http://eyazisma.dpt/iliskiler/"
ALG = {
    "sha256": "http://www.w3.org/2001/04/xmlenc#sha256",
    "sha384": "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "sha512": "http://www.w3.org/2001/04/xmlenc#sha512",
}


@pytest.fixture(scope="module")
def ca():
    return make_key_and_cert("Test Kök", ca=True)


@pytest.fixture(scope="module")
def signer(ca):
    return make_key_and_cert("Ali İhsan Tokdemir", issuer=ca)


@pytest.fixture(scope="module")
def seal(ca):
    return make_key_and_cert("Bilgi İşlem Mühür", issuer=ca, rsa_key=True)


def entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _xml(text: str) -> bytes:
    return (BOM + '<?xml version="1.0" encoding="utf-8"?>\n' + text).encode()


def _ustveri(major: int, belge_id: str) -> bytes:
    root = "Ustveri" if major == 1 else "UstVeri"
    dated = (
        "<tipler:Tarih>2021-02-15T09:39:31Z</tipler:Tarih>"
        "<tipler:BelgeNo>E-24312041-702.03-1</tipler:BelgeNo>"
        if major == 1
        else ""
    )
    guvenlik = "TSD" if major == 1 else "YOK"
    return _xml(
        f'<{root} xmlns:tipler="urn:dpt:eyazisma:schema:xsd:Tipler-{major}" '
        f'xmlns="urn:dpt:eyazisma:schema:xsd:Ustveri-{major}">'
        f"<tipler:BelgeId>{belge_id}</tipler:BelgeId><tipler:Konu>Olustur</tipler:Konu>"
        f"{dated}<tipler:GuvenlikKodu>{guvenlik}</tipler:GuvenlikKodu>"
        "<tipler:DagitimListesi><tipler:Dagitim><tipler:KurumKurulus>"
        "<tipler:KKK>28119270</tipler:KKK><tipler:Adi>BİLGİ İŞLEM BAŞKANLIĞI</tipler:Adi>"
        "</tipler:KurumKurulus><tipler:Ivedilik>NRM</tipler:Ivedilik>"
        "<tipler:DagitimTuru>GRG</tipler:DagitimTuru><tipler:Miat>0</tipler:Miat>"
        "</tipler:Dagitim></tipler:DagitimListesi>"
        '<tipler:Ekler><tipler:Ek><tipler:Id Value="82BEA7CB-30DD-49AE-9C90-0C000EFB9203" '
        'EYazismaIdMi="false"/><tipler:Tur>DED</tipler:Tur>'
        "<tipler:DosyaAdi>ek1.pdf</tipler:DosyaAdi><tipler:MimeTuru>application/pdf"
        "</tipler:MimeTuru><tipler:Ad>Ek 1</tipler:Ad><tipler:SiraNo>1</tipler:SiraNo>"
        "<tipler:ImzaliMi>true</tipler:ImzaliMi></tipler:Ek></tipler:Ekler>"
        "<tipler:Dil>tur</tipler:Dil><tipler:Olusturan><tipler:KurumKurulus>"
        "<tipler:KKK>61648174</tipler:KKK><tipler:Adi>BİLGİ İŞLEM DAİRESİ BAŞKANLIĞI"
        "</tipler:Adi></tipler:KurumKurulus></tipler:Olusturan>"
        f"<tipler:DosyaAdi>{belge_id.lower()}.eyp</tipler:DosyaAdi></{root}>"
    )


def _summary(
    root: str, major: int, belge_id: str, parts: dict[str, bytes], names: list[str], algs
) -> bytes:
    ns = f"urn:dpt:eyazisma:schema:xsd:{root}-{major}"
    po = f"urn:dpt:eyazisma:schema:xsd:PaketOzeti-{major}"
    inner = "" if root == "PaketOzeti" else f' xmlns="{po}"'
    refs = []
    for name in names:
        digests = "".join(
            (
                f'<DigestItem><DigestMethod Algorithm="{ALG[a]}" /><DigestValue>'
                f"{base64.b64encode(hashlib.new(a, parts[name]).digest()).decode()}"
                "</DigestValue></DigestItem>"
            )
            if major == 2
            else (
                f'<DigestMethod Algorithm="{ALG[a]}" /><DigestValue>'
                f"{base64.b64encode(hashlib.new(a, parts[name]).digest()).decode()}"
                "</DigestValue>"
            )
            for a in algs
        )
        refs.append(
            f'<Reference URI="{name}" Type="http://eyazisma.dpt/bilesen#dahili"{inner}>'
            f"{digests}</Reference>"
        )
    return _xml(
        f'<{root} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'Id="{belge_id}" xmlns="{ns}">{"".join(refs)}</{root}>'
    )


def _rels(rels: list[tuple[str, str, str]]) -> bytes:
    body = "".join(
        f'<Relationship Type="{t}" Target="{target}" Id="{i}"/>' for t, target, i in rels
    )
    return _xml(
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f"{body}</Relationships>"
    )


def foreign_package(major: int, signer, seal, *, algs=None, tamper: str = "") -> bytes:
    """A package shaped like eyazisma.online.api's samples, built without our writer."""
    belge_id = str(uuid.uuid4()).upper()
    algs = algs or (("sha256",) if major == 1 else ("sha384", "sha512"))
    core = f"/package/services/metadata/core-properties/{uuid.uuid4().hex}.psmdcp"
    parts: dict[str, bytes] = {
        "/UstYazi/ustyazi.pdf": MINIMAL_PDF,
        "/Ekler/ek1.pdf": MINIMAL_PDF + b"% ek1\n",
        "/Ustveri/Ustveri.xml": _ustveri(major, belge_id),
        core: _xml(
            '<coreProperties xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns="http://schemas.openxmlformats.org/package/2006/metadata/core-properties">'
            f"<dc:identifier>{belge_id}</dc:identifier><category>RESMIYAZISMA</category>"
            "<contentType>application/eyazisma</contentType>"
            f"<version>{'1.3' if major == 1 else '2.0'}</version></coreProperties>"
        ),
    }
    root_rels = [
        (REL + "ustyazi", "/UstYazi/ustyazi.pdf", "IdUstYazi"),
        (REL + "ek", "/Ekler/ek1.pdf", "IdEk_82BEA7CB-30DD-49AE-9C90-0C000EFB9203"),
        (
            "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
            core,
            "R6bc0dad8bf554aa1",
        ),
        (REL + "ustveri", "/Ustveri/Ustveri.xml", "IdUstveri"),
    ]
    rels: dict[str, bytes] = {}
    covered = ["/UstYazi/ustyazi.pdf", "/Ustveri/Ustveri.xml", "/Ekler/ek1.pdf"]
    if major == 1:
        parts["/BelgeHedef/BelgeHedef.xml"] = _xml(
            '<BelgeHedef xmlns:tipler="urn:dpt:eyazisma:schema:xsd:Tipler-1" '
            'xmlns="urn:dpt:eyazisma:schema:xsd:BelgeHedef-1"><tipler:HedefListesi>'
            "<tipler:Hedef><tipler:KurumKurulus><tipler:KKK>28119270</tipler:KKK>"
            "<tipler:Adi>BİLGİ İŞLEM BAŞKANLIĞI</tipler:Adi></tipler:KurumKurulus>"
            "</tipler:Hedef></tipler:HedefListesi></BelgeHedef>"
        )
        parts["/Imzalar/BelgeImza.xml"] = _xml(
            '<BelgeImza xmlns:tipler="urn:dpt:eyazisma:schema:xsd:Tipler-1" '
            'xmlns="urn:dpt:eyazisma:schema:xsd:BelgeImza-1"><tipler:ImzaListesi>'
            "<tipler:Imza><tipler:Imzalayan><tipler:Kisi><tipler:IlkAdi>Ali İhsan"
            "</tipler:IlkAdi><tipler:Soyadi>TOKDEMİR</tipler:Soyadi></tipler:Kisi>"
            "</tipler:Imzalayan><tipler:Tarih>2021-02-15T09:39:31Z</tipler:Tarih>"
            "</tipler:Imza></tipler:ImzaListesi></BelgeImza>"
        )
        root_rels += [
            (REL + "belgehedef", "/BelgeHedef/BelgeHedef.xml", "IdBelgeHedef"),
            (REL + "belgeimza", "/Imzalar/BelgeImza.xml", "IdBelgeImza"),
        ]
        covered.insert(0, "/BelgeHedef/BelgeHedef.xml")
    else:
        parts["/ParafOzeti/ParafOzeti.xml"] = _summary(
            "ParafOzeti", 2, belge_id, parts, list(covered), algs
        )
        parts["/Paraflar/ParafImzaCades.imz"] = cades.sign(
            parts["/ParafOzeti/ParafOzeti.xml"], signer
        )
        rels["/ParafOzeti/_rels/ParafOzeti.xml.rels"] = _rels(
            [(REL + "parafimzacades", "../Paraflar/ParafImzaCades.imz", "IdParafImzaCades")]
        )
        root_rels.append((REL + "parafozeti", "/ParafOzeti/ParafOzeti.xml", "IdParafOzeti"))
        covered += ["/ParafOzeti/ParafOzeti.xml", "/Paraflar/ParafImzaCades.imz"]
    parts["/PaketOzeti/PaketOzeti.xml"] = _summary(
        "PaketOzeti", major, belge_id, parts, covered, algs
    )
    parts["/Imzalar/ImzaCades.imz"] = cades.sign(parts["/PaketOzeti/PaketOzeti.xml"], signer)
    rels["/PaketOzeti/_rels/PaketOzeti.xml.rels"] = _rels(
        [(REL + "imzacades", "../Imzalar/ImzaCades.imz", "IdImzaCades")]
    )
    # The case eyazisma.online.api writes; the CBDDO and DPT APIs write "paketozeti".
    root_rels.append((REL + "PaketOzeti", "/PaketOzeti/PaketOzeti.xml", "IdPaketOzeti"))
    nihai = [*covered]
    if major == 1:
        nihai.insert(1, "/Imzalar/BelgeImza.xml")
    else:
        parts["/NihaiUstveri/NihaiUstveri.xml"] = _xml(
            '<NihaiUstVeri xmlns:tipler="urn:dpt:eyazisma:schema:xsd:Tipler-2" '
            'xmlns="urn:dpt:eyazisma:schema:xsd:NihaiUstveri-2">'
            "<tipler:Tarih>2021-02-15T09:39:32Z</tipler:Tarih>"
            "<tipler:BelgeNo>E-24312041-702.03-1</tipler:BelgeNo></NihaiUstVeri>"
        )
        root_rels.append((REL + "nihaiustveri", "/NihaiUstveri/NihaiUstveri.xml", "IdNihaiUstveri"))
    nihai += ["/PaketOzeti/PaketOzeti.xml", "/Imzalar/ImzaCades.imz"]
    if major == 2:
        nihai.append("/NihaiUstveri/NihaiUstveri.xml")
    nihai.append(core)
    parts["/NihaiOzet/NihaiOzet.xml"] = _summary("NihaiOzet", major, belge_id, parts, nihai, algs)
    muhur = "Muhurler" if major == 1 else "Muhur"
    parts[f"/{muhur}/MuhurCades.imz"] = cades.sign(parts["/NihaiOzet/NihaiOzet.xml"], seal)
    rels["/NihaiOzet/_rels/NihaiOzet.xml.rels"] = _rels(
        [(REL + "muhurcades", f"../{muhur}/MuhurCades.imz", "IdMuhurCades")]
    )
    root_rels.append((REL + "nihaiozet", "/NihaiOzet/NihaiOzet.xml", "IdNihaiOzet"))
    rels["/_rels/.rels"] = _rels(root_rels)
    if tamper:
        parts[tamper] = parts[tamper] + b" "
    types = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="pdf" ContentType="application/pdf" />'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml" />'
        '<Default Extension="psmdcp" '
        'ContentType="application/vnd.openxmlformats-package.core-properties+xml" />'
        '<Default Extension="xml" ContentType="application/xml" />'
        '<Default Extension="imz" ContentType="application/octet-stream" /></Types>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in {**parts, **rels}.items():
            archive.writestr(name.lstrip("/"), data)
        archive.writestr("[Content_Types].xml", _xml(types))
    return buffer.getvalue()


# ------------------------------------------------------------------ reading other producers


def test_a_2x_package_from_another_producer_reads_with_signature_and_seal(signer, seal):
    parsed = read_package(foreign_package(2, signer, seal))

    assert parsed.version == "2.x"
    assert parsed.core_version == "2.0"
    assert parsed.signature_status == SignatureStatus.VERIFIED
    assert parsed.seal_status == SignatureStatus.VERIFIED
    assert parsed.paket.ustveri.belge_no == "E-24312041-702.03-1"
    assert parsed.paket.hedefler == ()  # no BelgeHedef in 2.x
    assert [t.adi for t in parsed.paket.belge_hedefleri()] == ["BİLGİ İŞLEM BAŞKANLIĞI"]
    assert parsed.digest_algorithms == ("sha384", "sha512")
    # ParafOzeti and the paraf signature are covered by PaketOzeti, so they were checked.
    assert "/ParafOzeti/ParafOzeti.xml" in parsed.verified_parts
    assert "/Paraflar/ParafImzaCades.imz" in parsed.verified_parts
    (ek,) = parsed.paket.ekler
    assert ek.dosya_adi == "ek1.pdf" and ek.icerik == MINIMAL_PDF + b"% ek1\n"


def test_a_1x_package_from_another_producer_reads_with_its_seal_under_muhurler(signer, seal):
    parsed = read_package(foreign_package(1, signer, seal))

    assert parsed.version == "1.x"
    assert parsed.signature_status == SignatureStatus.VERIFIED
    assert parsed.seal_status == SignatureStatus.VERIFIED
    assert parsed.digest_algorithms == ("sha256",)
    assert [t.adi for t in parsed.paket.hedefler] == ["BİLGİ İŞLEM BAŞKANLIĞI"]
    assert parsed.paket.imzalar[0].imzalayan.ad == "Ali İhsan"


def test_a_1x_package_with_sha384_from_an_old_tool_is_still_read(signer, seal):
    parsed = read_package(foreign_package(1, signer, seal, algs=("sha384",)))
    assert parsed.digest_algorithms == ("sha384",)
    assert parsed.signature_status == SignatureStatus.VERIFIED


@pytest.mark.parametrize("major", [1, 2])
@pytest.mark.parametrize("part", ["/Ekler/ek1.pdf", "/Ustveri/Ustveri.xml"])
def test_a_changed_part_of_a_foreign_package_is_refused(signer, seal, major, part):
    with pytest.raises(EYPDigestMismatch) as refused:
        read_package(foreign_package(major, signer, seal, tamper=part))
    assert refused.value.part == part


def test_a_changed_paraf_summary_is_refused(signer, seal):
    with pytest.raises(EYPDigestMismatch) as refused:
        read_package(foreign_package(2, signer, seal, tamper="/ParafOzeti/ParafOzeti.xml"))
    assert refused.value.part == "/ParafOzeti/ParafOzeti.xml"


# ------------------------------------------------------------------------ what we write


def test_2x_is_written_without_belge_hedef_and_with_the_api_spellings(signer, seal):
    files = entries(
        build_package(sample_paket(), signer_key_and_cert=signer, seal_key_and_cert=seal)
    )

    assert "BelgeHedef/BelgeHedef.xml" not in files
    types = {r.get("Type") for r in etree.fromstring(files["_rels/.rels"])}
    assert c.REL_BELGE_HEDEF not in types
    assert REL + "paketozeti" in types  # as the CBDDO 2.x API writes it
    assert etree.QName(etree.fromstring(files["Ustveri/Ustveri.xml"])).localname == "UstVeri"
    nihai = etree.fromstring(files["NihaiUstveri/NihaiUstveri.xml"])
    assert etree.QName(nihai).localname == "NihaiUstVeri"
    uris = {r.get("URI") for r in etree.fromstring(files["PaketOzeti/PaketOzeti.xml"])}
    assert "/BelgeHedef/BelgeHedef.xml" not in uris
    assert "Muhur/MuhurCades.imz" in files


def test_1x_keeps_belge_hedef_and_writes_a_given_seal_under_muhurler(signer, seal):
    data = build_package(
        sample_paket(), signer_key_and_cert=signer, seal_key_and_cert=seal, version="1.3"
    )
    files = entries(data)

    assert "BelgeHedef/BelgeHedef.xml" in files
    assert etree.QName(etree.fromstring(files["Ustveri/Ustveri.xml"])).localname == "Ustveri"
    assert "Muhurler/MuhurCades.imz" in files and "Muhur/MuhurCades.imz" not in files
    assert "NihaiUstveri/NihaiUstveri.xml" not in files
    nihai = {r.get("URI") for r in etree.fromstring(files["NihaiOzet/NihaiOzet.xml"])}
    assert {
        "/Imzalar/BelgeImza.xml",
        "/PaketOzeti/PaketOzeti.xml",
        "/Imzalar/ImzaCades.imz",
    } <= nihai
    digests = {
        m.get("Algorithm")
        for m in etree.fromstring(files["NihaiOzet/NihaiOzet.xml"]).iter("{*}DigestMethod")
    }
    assert digests == {ALG["sha256"]}
    parsed = read_package(data)
    assert parsed.seal_status == SignatureStatus.VERIFIED
    assert parsed.signature_status == SignatureStatus.VERIFIED


def test_1x_without_a_seal_has_no_nihai_ozet(signer):
    files = entries(build_package(sample_paket(), signer_key_and_cert=signer, version="1.3"))
    assert "NihaiOzet/NihaiOzet.xml" not in files


@pytest.mark.parametrize(
    ("version", "digests"),
    [
        ("1.3", ("sha384",)),  # SHA-384 is a 2.x algorithm
        ("1.3", ("sha256", "sha512")),  # one digest per part in 1.x
        ("2.0", ("sha512", "sha512")),  # two *different* algorithms
        ("2.0", ("sha256", "sha384")),  # one of them SHA-512
        ("2.0", ("sha1", "sha512")),  # SHA-1 is read, never written
    ],
)
def test_digest_rules_are_enforced_on_write(signer, version, digests):
    with pytest.raises(ValueError):
        build_package(sample_paket(), signer_key_and_cert=signer, version=version, digests=digests)


def test_2x_may_use_sha256_with_sha512(signer):
    data = build_package(sample_paket(), signer_key_and_cert=signer, digests=("sha256", "sha512"))
    assert read_package(data).digest_algorithms == ("sha256", "sha512")
