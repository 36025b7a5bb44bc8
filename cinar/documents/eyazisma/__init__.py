"""e-Yazışma packages (.eyp) per the e-Yazışma Teknik Rehberi, versions 1.x and 2.x.

Public API::

    from cinar.documents.eyazisma import build_package, read_package, Paket, Ustveri, ...

Independent of Django models: ``mapping.py`` converts to and from the documents app.
"""

from .cades import KeyAndCert, SignatureCheck, Signer
from .errors import EYPDigestMismatch, EYPError, EYPInvalid, EYPTooLarge, EYPUnsafePath
from .model import (
    Dagitim,
    DagitimTuru,
    Ek,
    EkTuru,
    GercekSahis,
    GuvenlikKodu,
    IletisimBilgisi,
    Ilgi,
    Imza,
    Ivedilik,
    KurumKurulus,
    Olusturan,
    Paket,
    Taraf,
    TuzelSahis,
    Ustveri,
)
from .opc import Limits
from .package import ParsedPackage, SignatureStatus, build_package, read_package

__all__ = [
    "Dagitim",
    "DagitimTuru",
    "EYPDigestMismatch",
    "EYPError",
    "EYPInvalid",
    "EYPTooLarge",
    "EYPUnsafePath",
    "Ek",
    "EkTuru",
    "GercekSahis",
    "GuvenlikKodu",
    "IletisimBilgisi",
    "Ilgi",
    "Imza",
    "Ivedilik",
    "KeyAndCert",
    "KurumKurulus",
    "Limits",
    "Olusturan",
    "Paket",
    "ParsedPackage",
    "SignatureCheck",
    "SignatureStatus",
    "Signer",
    "Taraf",
    "TuzelSahis",
    "Ustveri",
    "build_package",
    "read_package",
]
