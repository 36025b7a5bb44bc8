"""Throwaway keys, certificates and a sample package for tests and development.

Never use these for real signatures: the keys are generated in memory, unprotected.
"""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from .cades import KeyAndCert
from .model import (
    Dagitim,
    DagitimTuru,
    Ek,
    GercekSahis,
    GuvenlikKodu,
    IletisimBilgisi,
    Ilgi,
    Imza,
    Ivedilik,
    KurumKurulus,
    Paket,
    Ustveri,
)

MINIMAL_PDF = (
    b"%PDF-1.7\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def make_key_and_cert(
    common_name: str,
    *,
    issuer: KeyAndCert | None = None,
    rsa_key: bool = False,
    ca: bool = False,
    not_before: dt.datetime | None = None,
    days: int = 365,
) -> KeyAndCert:
    """A key and a certificate, self-signed or issued by ``issuer``."""
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    if rsa_key:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "TR"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    start = not_before or dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.cert.subject if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    signing_key = issuer.key if issuer else key
    cert = builder.sign(signing_key, hashes.SHA256())
    return KeyAndCert(key=key, cert=cert, chain=(issuer.cert,) if issuer else ())


def sample_paket(*, ekler: int = 2, belge_no: str = "E-12345678-010.01-42") -> Paket:
    """A realistic outgoing letter from a municipality to a ministry."""
    tarih = dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    return Paket(
        ustveri=Ustveri(
            konu="İmar planı değişikliği hakkında görüş talebi",
            tarih=tarih,
            belge_no=belge_no,
            guvenlik_kodu=GuvenlikKodu.HZO,
            olusturan=KurumKurulus(
                detsis_no="12345678",
                adi="Çınar Belediyesi",
                birim_detsis_no="12345679",
                iletisim=IletisimBilgisi(kep_adresi="cinarbelediyesi@hs01.kep.tr", il="Ankara"),
            ),
            dagitimlar=(
                Dagitim(
                    taraf=KurumKurulus(
                        detsis_no="87654321",
                        adi="Çevre, Şehircilik ve İklim Değişikliği Bakanlığı",
                        iletisim=IletisimBilgisi(kep_adresi="bakanlik@hs02.kep.tr"),
                    ),
                    tur=DagitimTuru.GRG,
                    ivedilik=Ivedilik.ACL,
                    miat="P10D",
                ),
                Dagitim(
                    taraf=GercekSahis(ad="Ayşe", soyad="Yılmaz", tckn="10000000146"),
                    tur=DagitimTuru.BLG,
                ),
            ),
            ilgiler=(
                Ilgi(
                    etiket="a",
                    belge_no="E-87654321-010.01-7",
                    tarih=tarih - dt.timedelta(days=20),
                    ad="Bakanlığın görüş yazısı",
                ),
            ),
            sdp_kodu="010.01",
            sdp_adi="Mevzuat İşleri",
            dogrulama_adresi="https://cinar.example/dogrula/",
        ),
        ust_yazi=MINIMAL_PDF,
        ust_yazi_adi="Üst Yazı.pdf",
        ekler=tuple(
            Ek(
                ad=f"Ek-{index} Plan paftası",
                sira_no=index,
                dosya_adi=f"pafta-{index}.pdf",
                mime_turu="application/pdf",
                icerik=MINIMAL_PDF + f"% ek {index}\n".encode(),
            )
            for index in range(1, ekler + 1)
        ),
        imzalar=(
            Imza(
                imzalayan=GercekSahis(
                    ad="Mehmet", soyad="Demir", gorev="Belediye Başkan Yardımcısı"
                ),
                makam="Belediye Başkanı a.",
                vekalet_veren=GercekSahis(ad="Ali", soyad="Kaya", gorev="Belediye Başkanı"),
                tarih=tarih,
            ),
        ),
    )
