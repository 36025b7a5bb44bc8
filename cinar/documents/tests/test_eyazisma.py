"""e-Yazışma packages: round trip, tampering, signatures, 1.x interop, hostile zips."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import io
import zipfile

import pytest
from lxml import etree

from cinar.documents.eyazisma import (
    Ek,
    EYPDigestMismatch,
    EYPInvalid,
    EYPTooLarge,
    EYPUnsafePath,
    GuvenlikKodu,
    Ivedilik,
    Limits,
    SignatureStatus,
    build_package,
    cades,
    read_package,
)
from cinar.documents.eyazisma import constants as c
from cinar.documents.eyazisma.testing import MINIMAL_PDF, make_key_and_cert, sample_paket


@pytest.fixture(scope="module")
def ca():
    return make_key_and_cert("Test Kamu SM Kök", ca=True)


@pytest.fixture(scope="module")
def signer(ca):
    return make_key_and_cert("Mehmet Demir", issuer=ca)


@pytest.fixture(scope="module")
def seal(ca):
    return make_key_and_cert("Çınar Belediyesi Elektronik Mühür", issuer=ca, rsa_key=True)


@pytest.fixture(scope="module")
def paket():
    return sample_paket()


@pytest.fixture(scope="module")
def eyp(paket, signer, seal):
    return build_package(paket, signer_key_and_cert=signer, seal_key_and_cert=seal)


def entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def rezip(files: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def replaced(data: bytes, name: str, content: bytes) -> bytes:
    files = entries(data)
    assert name in files, sorted(files)
    files[name] = content
    return rezip(files)


def flip_last_byte(content: bytes) -> bytes:
    return content[:-1] + bytes([content[-1] ^ 0x01])


# ----------------------------------------------------------------------------- round trip


def test_round_trip_keeps_every_piece_of_metadata(eyp, paket):
    parsed = read_package(eyp)

    assert parsed.version == "2.x"
    assert parsed.core_version == "2.0"
    assert parsed.paket.ustveri == paket.ustveri
    assert parsed.paket.imzalar == paket.imzalar
    assert parsed.paket.hedefler == ()  # 2.x has no BelgeHedef: the DagitimListesi names them
    assert parsed.paket.belge_hedefleri() == tuple(d.taraf for d in paket.ustveri.dagitimlar)
    assert parsed.paket.ust_yazi == paket.ust_yazi
    assert [(e.ad, e.sira_no, e.icerik, e.id) for e in parsed.paket.ekler] == [
        (e.ad, e.sira_no, e.icerik, e.id) for e in paket.ekler
    ]
    assert parsed.digest_algorithms == ("sha384", "sha512")


def test_round_trip_signature_and_seal_are_verified(eyp, ca):
    parsed = read_package(eyp, trust_anchors=[ca.cert])

    assert parsed.signature_status == SignatureStatus.VERIFIED
    assert parsed.signature is not None
    assert "Mehmet Demir" in parsed.signature.signer
    assert parsed.signature.trusted is True
    assert parsed.signature.signing_time is not None
    assert parsed.seal_status == SignatureStatus.VERIFIED
    assert parsed.seal is not None and "Mühür" in parsed.seal.signer
    assert parsed.is_verified


def test_without_trust_anchors_the_signature_is_intact_but_says_the_chain_was_not_checked(eyp):
    parsed = read_package(eyp)

    assert parsed.signature_status == SignatureStatus.VERIFIED
    assert parsed.signature is not None and parsed.signature.trusted is None
    assert "chain was not checked" in parsed.signature_reason


def test_layout_follows_the_guide(eyp):
    files = entries(eyp)

    assert next(iter(files)) == "[Content_Types].xml"
    for name in (
        "_rels/.rels",
        "Ustveri/Ustveri.xml",
        "PaketOzeti/PaketOzeti.xml",
        "PaketOzeti/_rels/PaketOzeti.xml.rels",
        "Imzalar/ImzaCades.imz",
        "NihaiUstveri/NihaiUstveri.xml",
        "NihaiOzet/NihaiOzet.xml",
        "NihaiOzet/_rels/NihaiOzet.xml.rels",
        "Muhur/MuhurCades.imz",
        "UstYazi/Ust_Yazi.pdf",
        "Ekler/pafta-1.pdf",
        "Ekler/pafta-2.pdf",
    ):
        assert name in files, name
    root_rels = etree.fromstring(files["_rels/.rels"])
    types = {r.get("Type") for r in root_rels}
    assert {c.REL_USTYAZI, c.REL_USTVERI, c.REL_PAKET_OZETI, c.REL_NIHAI_OZET, c.REL_EK} <= types
    signature_rel = etree.fromstring(files["PaketOzeti/_rels/PaketOzeti.xml.rels"])[0]
    assert signature_rel.get("Type") == c.REL_IMZA
    assert signature_rel.get("Target") == "../Imzalar/ImzaCades.imz"
    ustveri = etree.fromstring(files["Ustveri/Ustveri.xml"])
    assert etree.QName(ustveri).namespace == "urn:dpt:eyazisma:schema:xsd:Ustveri-2"
    summary = etree.fromstring(files["PaketOzeti/PaketOzeti.xml"])
    algorithms = {m.get("Algorithm") for m in summary.iter("{*}DigestMethod")}
    assert algorithms == {c.DIGEST_SHA384, c.DIGEST_SHA512}
    uris = [r.get("URI") for r in summary.iter("{*}Reference")]
    assert "/UstYazi/Ust_Yazi.pdf" in uris and "/Ekler/pafta-2.pdf" in uris


def test_the_summary_digest_is_the_parts_sha512(eyp):
    files = entries(eyp)
    summary = etree.fromstring(files["PaketOzeti/PaketOzeti.xml"])
    reference = next(
        r for r in summary.iter("{*}Reference") if r.get("URI") == "/Ekler/pafta-1.pdf"
    )
    values = {
        item.find("{*}DigestMethod").get("Algorithm"): item.findtext("{*}DigestValue")
        for item in reference.iter("{*}DigestItem")
    }

    expected = base64.b64encode(hashlib.sha512(files["Ekler/pafta-1.pdf"]).digest()).decode()
    assert values[c.DIGEST_SHA512] == expected


def test_the_signature_is_cades_bes(eyp):
    from asn1crypto import cms

    signed = cms.ContentInfo.load(entries(eyp)["Imzalar/ImzaCades.imz"])["content"]
    attributes = {a["type"].native for a in signed["signer_infos"][0]["signed_attrs"]}

    assert {
        "content_type",
        "message_digest",
        "signing_time",
        "signing_certificate_v2",
    } <= attributes


def test_detached_signatures_are_written_and_read(paket, signer, seal):
    from asn1crypto import cms

    data = build_package(paket, signer_key_and_cert=signer, seal_key_and_cert=seal, detached=True)
    signed = cms.ContentInfo.load(entries(data)["Imzalar/ImzaCades.imz"])["content"]

    assert signed["encap_content_info"]["content"].native is None
    parsed = read_package(data)
    assert parsed.signature_status == SignatureStatus.VERIFIED
    assert parsed.seal_status == SignatureStatus.VERIFIED


def test_build_refuses_a_2x_package_without_sha512(paket, signer):
    with pytest.raises(ValueError, match="SHA-512"):
        build_package(paket, signer_key_and_cert=signer, digests=("sha256", "sha384"))


# ----------------------------------------------------------------------------- tampering


@pytest.mark.parametrize(
    "entry",
    [
        "UstYazi/Ust_Yazi.pdf",
        "Ekler/pafta-2.pdf",
        "Ustveri/Ustveri.xml",
    ],
)
def test_a_changed_part_refuses_the_package_naming_the_part(eyp, entry):
    files = entries(eyp)
    tampered = replaced(eyp, entry, files[entry].replace(b"</", b"<!-- x --></", 1) + b" ")

    with pytest.raises(EYPDigestMismatch) as refused:
        read_package(tampered)

    assert refused.value.part == "/" + entry
    assert "/" + entry in refused.value.reason
    assert "PaketOzeti" in refused.value.reason


def test_a_changed_nihai_ustveri_is_caught_by_nihai_ozet(eyp):
    files = entries(eyp)
    forged = files["NihaiUstveri/NihaiUstveri.xml"].replace(b"E-12345678-010.01-42", b"E-1-1-1")

    with pytest.raises(EYPDigestMismatch) as refused:
        read_package(replaced(eyp, "NihaiUstveri/NihaiUstveri.xml", forged))

    assert refused.value.part == "/NihaiUstveri/NihaiUstveri.xml"
    assert "NihaiOzet" in refused.value.reason


def test_a_part_listed_but_missing_is_refused(eyp):
    files = entries(eyp)
    del files["Ekler/pafta-1.pdf"]

    with pytest.raises(EYPDigestMismatch) as refused:
        read_package(rezip(files))

    assert refused.value.part == "/Ekler/pafta-1.pdf"


def test_an_attachment_added_outside_the_summary_is_refused(eyp):
    files = entries(eyp)
    files["Ekler/extra.pdf"] = MINIMAL_PDF
    files["_rels/.rels"] = files["_rels/.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="IdEk_X" Type="http://eyazisma.dpt/iliskiler/ek" '
        b'Target="/Ekler/extra.pdf"/></Relationships>',
    )

    with pytest.raises(EYPInvalid) as refused:
        read_package(rezip(files))

    assert refused.value.part == "/Ekler/extra.pdf"


def test_a_signature_changed_after_sealing_is_a_digest_mismatch(eyp):
    files = entries(eyp)
    tampered = replaced(
        eyp, "Imzalar/ImzaCades.imz", flip_last_byte(files["Imzalar/ImzaCades.imz"])
    )

    with pytest.raises(EYPDigestMismatch) as refused:
        read_package(tampered)

    assert refused.value.part == "/Imzalar/ImzaCades.imz"


def test_an_invalid_signature_is_registered_as_unverified(paket, seal):
    other = make_key_and_cert("Someone Else")

    def wrong_content_signer(content: bytes) -> bytes:
        return cades.sign(content + b"!", other)

    data = build_package(paket, signer_key_and_cert=wrong_content_signer, seal_key_and_cert=seal)
    parsed = read_package(data)

    assert parsed.signature_status == SignatureStatus.UNVERIFIED
    assert parsed.signature_reason
    assert parsed.seal_status == SignatureStatus.VERIFIED
    assert parsed.paket.ustveri == paket.ustveri


def test_a_garbage_signature_is_registered_as_unverified(paket):
    data = build_package(
        paket, signer_key_and_cert=lambda content: b"not a signature", version="1.3"
    )

    parsed = read_package(data)

    assert parsed.signature_status == SignatureStatus.UNVERIFIED
    assert "cannot be read" in parsed.signature_reason


def test_a_tampered_seal_leaves_the_package_registered_with_the_seal_unverified(eyp):
    files = entries(eyp)
    tampered = replaced(eyp, "Muhur/MuhurCades.imz", flip_last_byte(files["Muhur/MuhurCades.imz"]))

    parsed = read_package(tampered)

    assert parsed.signature_status == SignatureStatus.VERIFIED
    assert parsed.seal_status == SignatureStatus.UNVERIFIED
    assert parsed.seal_reason


def test_a_signature_by_an_untrusted_authority_is_unverified(eyp):
    stranger = make_key_and_cert("Another Root", ca=True)

    parsed = read_package(eyp, trust_anchors=[stranger.cert])

    assert parsed.signature_status == SignatureStatus.UNVERIFIED
    assert "trusted authority" in parsed.signature_reason


def test_an_expired_certificate_makes_the_signature_unverified(paket):
    expired = make_key_and_cert(
        "Expired Signer", not_before=dt.datetime(2020, 1, 1, tzinfo=dt.UTC), days=30
    )

    parsed = read_package(build_package(paket, signer_key_and_cert=expired))

    assert parsed.signature_status == SignatureStatus.UNVERIFIED
    assert "not valid at the signing time" in parsed.signature_reason


def test_an_unsealed_2x_package_reads_with_the_seal_absent(paket, signer):
    parsed = read_package(build_package(paket, signer_key_and_cert=signer))

    assert parsed.seal_status == SignatureStatus.ABSENT
    assert parsed.signature_status == SignatureStatus.VERIFIED


def test_rsa_signers_work(paket, ca):
    rsa_signer = make_key_and_cert("RSA Signer", issuer=ca, rsa_key=True)

    parsed = read_package(
        build_package(paket, signer_key_and_cert=(rsa_signer.key, rsa_signer.cert))
    )

    assert parsed.signature_status == SignatureStatus.VERIFIED


def test_unsigned_attachments_travel_outside_the_digests(paket, signer, seal):
    unsigned = Ek(
        ad="Bilgi notu",
        sira_no=3,
        dosya_adi="not.txt",
        mime_turu="text/plain",
        icerik=b"imzasiz",
        imzali=False,
    )
    data = build_package(
        dataclasses.replace(paket, ekler=(*paket.ekler, unsigned)),
        signer_key_and_cert=signer,
        seal_key_and_cert=seal,
    )

    parsed = read_package(replaced(data, "ImzasizEkler/not.txt", b"changed"))

    assert parsed.unsigned_parts == ("/ImzasizEkler/not.txt",)
    note = next(e for e in parsed.paket.ekler if e.ad == "Bilgi notu")
    assert note.imzali is False and note.icerik == b"changed"


# ----------------------------------------------------------------------------- version 1.x


def test_a_1x_package_with_sha512_and_no_nihai_ozet_reads(paket, signer):
    data = build_package(paket, signer_key_and_cert=signer, version="1.3", digests=("sha512",))
    files = entries(data)

    assert "NihaiOzet/NihaiOzet.xml" not in files
    assert "Imzalar/BelgeImza.xml" in files
    ustveri_xml = files["Ustveri/Ustveri.xml"]
    assert b"urn:dpt:eyazisma:schema:xsd:Ustveri-1" in ustveri_xml
    assert b"<tipler:BelgeNo>E-12345678-010.01-42</tipler:BelgeNo>" in ustveri_xml
    assert b"<tipler:Ivedilik>IVD</tipler:Ivedilik>" in ustveri_xml
    assert b"DigestItem" not in files["PaketOzeti/PaketOzeti.xml"]

    parsed = read_package(data)

    assert parsed.version == "1.x"
    assert parsed.digest_algorithms == ("sha512",)
    assert parsed.signature_status == SignatureStatus.VERIFIED
    assert parsed.seal_status == SignatureStatus.ABSENT
    assert parsed.paket.ustveri.belge_no == paket.ustveri.belge_no
    assert parsed.paket.ustveri.tarih == paket.ustveri.tarih
    assert parsed.paket.ustveri.guvenlik_kodu == GuvenlikKodu.HZO
    assert parsed.paket.ustveri.dagitimlar[0].ivedilik == Ivedilik.ACL
    assert parsed.paket.imzalar == paket.imzalar


def test_a_1x_package_with_a_tampered_attachment_is_refused(paket, signer):
    data = build_package(paket, signer_key_and_cert=signer, version="1.3", digests=("sha512",))

    with pytest.raises(EYPDigestMismatch) as refused:
        read_package(replaced(data, "Ekler/pafta-1.pdf", MINIMAL_PDF))

    assert refused.value.part == "/Ekler/pafta-1.pdf"


def test_a_1x_package_with_a_flipped_signature_is_registered_unverified(paket, signer):
    data = build_package(paket, signer_key_and_cert=signer, version="1.3", digests=("sha512",))
    files = entries(data)

    parsed = read_package(
        replaced(data, "Imzalar/ImzaCades.imz", flip_last_byte(files["Imzalar/ImzaCades.imz"]))
    )

    assert parsed.signature_status == SignatureStatus.UNVERIFIED


OLD_TOOL_ID = "1CC59C81-513D-46CF-B145-407ED4758EDA"
OLD_TOOL_USTVERI = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<ns2:Ustveri xmlns="urn:dpt:eyazisma:schema:xsd:Tipler-1" '
    'xmlns:ns2="urn:dpt:eyazisma:schema:xsd:Ustveri-1">'
    f"<BelgeId>{OLD_TOOL_ID}</BelgeId><Konu>Kış kampı hakkında</Konu>"
    "<Tarih>2024-01-07T00:00:00.000+03:00</Tarih><BelgeNo>06-061-115-2024-4</BelgeNo>"
    "<GuvenlikKodu>TSD</GuvenlikKodu><MimeTuru>application/pdf</MimeTuru>"
    "<DagitimListesi><Dagitim><KurumKurulus><KKK>25609554</KKK><BYK/><Adi>Eskişehir Valiliği</Adi>"
    "</KurumKurulus><Ivedilik>NRM</Ivedilik><DagitimTuru>GRG</DagitimTuru></Dagitim></DagitimListesi>"
    "<Dil>tur</Dil><Olusturan><GercekSahis><Kisi><IlkAdi>Ayşe</IlkAdi><Soyadi>Yılmaz</Soyadi>"
    "</Kisi><TCKN>10000000146</TCKN></GercekSahis></Olusturan><DosyaAdi>yazi.pdf</DosyaAdi>"
    "</ns2:Ustveri>"
).encode()


def _old_tool_package(signature: bytes | None = None, *, summary_extra: bytes = b"") -> bytes:
    def reference(uri: str, content: bytes) -> bytes:
        value = base64.b64encode(hashlib.sha256(content).digest())
        return (
            (
                f'<Reference URI="{uri}" Type="http://eyazisma.dpt/bilesen#dahili">'
                '<DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
                "<DigestValue>"
            ).encode()
            + value
            + b"</DigestValue></Reference>"
        )

    summary = (
        b'<?xml version="1.0"?><PaketOzeti xmlns="urn:dpt:eyazisma:schema:xsd:PaketOzeti-1" Id="'
        + OLD_TOOL_ID.encode()
        + b'">'
        + reference("/UstYazi/yazi.pdf", MINIMAL_PDF)
        + reference("/Ustveri/Ustveri.xml", OLD_TOOL_USTVERI)
        + summary_extra
        + b"</PaketOzeti>"
    )
    rels = (
        b'<?xml version="1.0"?><Relationships '
        b'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="IdUstYazi" Type="http://eyazisma.dpt/iliskiler/ustyazi" '
        b'Target="UstYazi/yazi.pdf"/>'
        b'<Relationship Id="IdUstveri" Type="http://eyazisma.dpt/iliskiler/ustveri" '
        b'Target="Ustveri/Ustveri.xml"/>'
        b'<Relationship Id="IdPaketOzeti" Type="http://eyazisma.dpt/iliskiler/paketozeti" '
        b'Target="PaketOzeti/PaketOzeti.xml"/></Relationships>'
    )
    files = {
        "[Content_Types].xml": (
            b'<?xml version="1.0"?><Types '
            b'xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Default Extension="pdf" ContentType="application/pdf"/>'
            b'<Default Extension="xml" ContentType="application/xml"/></Types>'
        ),
        "_rels/.rels": rels,
        "UstYazi/yazi.pdf": MINIMAL_PDF,
        "Ustveri/Ustveri.xml": OLD_TOOL_USTVERI,
        "PaketOzeti/PaketOzeti.xml": summary,
    }
    if signature is not None:
        files["Imzalar/ImzaCades.imz"] = signature
        files["PaketOzeti/_rels/PaketOzeti.xml.rels"] = (
            b'<?xml version="1.0"?><Relationships '
            b'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="IdImzaCades" Type="http://eyazisma.dpt/iliskiler/imzacades" '
            b'Target="../Imzalar/ImzaCades.imz"/></Relationships>'
        )
    return rezip(files)


def test_a_package_written_by_an_older_tool_is_read():
    parsed = read_package(_old_tool_package())

    assert parsed.version == "1.x"
    assert parsed.paket.ustveri.belge_id == OLD_TOOL_ID
    assert parsed.paket.ustveri.konu == "Kış kampı hakkında"
    assert parsed.paket.ustveri.belge_no == "06-061-115-2024-4"
    assert parsed.paket.ustveri.guvenlik_kodu == GuvenlikKodu.YOK
    assert parsed.paket.ustveri.dagitimlar[0].taraf.detsis_no == "25609554"
    assert parsed.paket.ustveri.olusturan.tckn == "10000000146"
    assert parsed.signature_status == SignatureStatus.UNVERIFIED
    assert "no signature" in parsed.signature_reason


def test_a_package_by_an_older_tool_with_a_signature_verifies(signer):
    summary_bytes = entries(_old_tool_package())["PaketOzeti/PaketOzeti.xml"]

    parsed = read_package(_old_tool_package(cades.sign(summary_bytes, signer)))

    assert parsed.signature_status == SignatureStatus.VERIFIED


# ----------------------------------------------------------------------------- hostile input


def test_a_file_that_is_not_a_zip_is_refused():
    with pytest.raises(EYPInvalid, match="not a valid ZIP"):
        read_package(b"%PDF-1.7 this is not a package")


def test_a_zip_that_is_not_a_package_is_refused():
    with pytest.raises(EYPInvalid, match="Content_Types"):
        read_package(rezip({"readme.txt": b"hello"}))


def test_a_package_without_ustveri_is_refused(eyp):
    files = entries(eyp)
    files["_rels/.rels"] = files["_rels/.rels"].replace(c.REL_USTVERI.encode(), b"urn:x")

    with pytest.raises(EYPInvalid, match="Ustveri"):
        read_package(rezip(files))


@pytest.mark.parametrize("name", ["../evil.pdf", "Ekler/../../evil.pdf", "/etc/passwd", "a\\b.pdf"])
def test_path_traversal_is_refused(eyp, name):
    files = entries(eyp)
    files[name] = b"x"

    with pytest.raises(EYPUnsafePath) as refused:
        read_package(rezip(files))

    assert "unsafe file name" in refused.value.reason


def test_an_oversized_package_is_refused(eyp):
    with pytest.raises(EYPTooLarge, match="limit"):
        read_package(eyp, limits=Limits(max_package_bytes=1000))


def test_an_oversized_part_is_refused(eyp):
    with pytest.raises(EYPTooLarge) as refused:
        read_package(eyp, limits=Limits(max_part_bytes=2000))

    assert refused.value.part


def test_a_zip_bomb_is_refused(eyp):
    files = entries(eyp)
    files["Ekler/bomb.bin"] = b"\0" * (20 * 1024 * 1024)
    bomb = rezip(files)
    assert len(bomb) < 200 * 1024

    with pytest.raises(EYPTooLarge, match="zip bomb"):
        read_package(bomb)


def test_too_many_entries_are_refused(eyp):
    files = entries(eyp)
    files.update({f"Ekler/{i}.txt": b"x" for i in range(30)})

    with pytest.raises(EYPTooLarge, match="entries"):
        read_package(rezip(files), limits=Limits(max_entries=20))


def test_a_duplicate_part_is_refused(eyp):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries(eyp).items():
            archive.writestr(name, content)
        with pytest.warns(UserWarning):
            archive.writestr("Ustveri/Ustveri.xml", b"<x/>")

    with pytest.raises(EYPInvalid, match="twice"):
        read_package(buffer.getvalue())


def test_xml_entities_are_refused(eyp):
    files = entries(eyp)
    files["Ustveri/Ustveri.xml"] = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        + files["Ustveri/Ustveri.xml"].split(b"?>", 1)[1]
    )

    with pytest.raises(EYPInvalid, match="DTD"):
        read_package(rezip(files))


def test_an_ust_yazi_that_is_not_a_pdf_is_refused(paket, signer):
    data = build_package(
        dataclasses.replace(paket, ust_yazi=b"MZ\x90\x00 not a pdf"), signer_key_and_cert=signer
    )

    with pytest.raises(EYPInvalid, match="not a PDF"):
        read_package(data)
