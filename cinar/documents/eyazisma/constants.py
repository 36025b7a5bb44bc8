"""Names fixed by the e-Yazışma Teknik Rehberi: relationship types, part names, namespaces.

The values follow the guide's published schemas and the public reference implementations
(see docs/decisions/0015-e-yazisma-and-kep.md for what is certain and what is not).
"""

from __future__ import annotations

# --- relationship types (identical in 1.x and 2.x) ---
# Written as the CBDDO (2.x) and DPT (1.x) .NET APIs spell them; read case-insensitively,
# because other producers differ (eyazisma.online.api writes ".../iliskiler/PaketOzeti").
REL_USTYAZI = "http://eyazisma.dpt/iliskiler/ustyazi"
REL_USTVERI = "http://eyazisma.dpt/iliskiler/ustveri"
REL_NIHAI_USTVERI = "http://eyazisma.dpt/iliskiler/nihaiustveri"
REL_BELGE_HEDEF = "http://eyazisma.dpt/iliskiler/belgehedef"
REL_BELGE_IMZA = "http://eyazisma.dpt/iliskiler/belgeimza"
REL_EK = "http://eyazisma.dpt/iliskiler/ek"
REL_IMZASIZ_EK = "http://eyazisma.dpt/iliskiler/imzasizEk"
REL_PAKET_OZETI = "http://eyazisma.dpt/iliskiler/paketozeti"
REL_NIHAI_OZET = "http://eyazisma.dpt/iliskiler/nihaiozet"
REL_IMZA = "http://eyazisma.dpt/iliskiler/imzacades"
REL_MUHUR = "http://eyazisma.dpt/iliskiler/muhurcades"
REL_PARAF_OZETI = "http://eyazisma.dpt/iliskiler/parafozeti"
REL_PARAF_IMZA = "http://eyazisma.dpt/iliskiler/parafimzacades"
REL_SIFRELI_ICERIK = "http://eyazisma.dpt/iliskiler/sifreliicerik"
REL_ORIJINAL_PAKET = "http://eyazisma.dpt/iliskiler/orijinalpaket"
REL_CORE = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"

# --- OPC ---
NS_CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
NS_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CORE = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
NS_DC = "http://purl.org/dc/elements/1.1/"
NS_DCTERMS = "http://purl.org/dc/terms/"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
CT_RELATIONSHIPS = "application/vnd.openxmlformats-package.relationships+xml"
CT_CORE = "application/vnd.openxmlformats-package.core-properties+xml"
CT_XML = "application/xml"
CT_OCTET = "application/octet-stream"

# --- part names ---
PART_USTVERI = "/Ustveri/Ustveri.xml"
PART_NIHAI_USTVERI = "/NihaiUstveri/NihaiUstveri.xml"
PART_BELGE_HEDEF = "/BelgeHedef/BelgeHedef.xml"
PART_BELGE_IMZA = "/Imzalar/BelgeImza.xml"
PART_PAKET_OZETI = "/PaketOzeti/PaketOzeti.xml"
PART_NIHAI_OZET = "/NihaiOzet/NihaiOzet.xml"
PART_IMZA = "/Imzalar/ImzaCades.imz"
PART_MUHUR = "/Muhur/MuhurCades.imz"  # 2.x
PART_MUHUR_1X = "/Muhurler/MuhurCades.imz"  # 1.x (Dpt.eYazisma, eyazisma.online.api)
DIR_USTYAZI = "/UstYazi/"
DIR_EKLER = "/Ekler/"
DIR_IMZASIZ_EKLER = "/ImzasizEkler/"

# --- relationship ids ---
ID_USTYAZI = "IdUstYazi"
ID_USTVERI = "IdUstveri"
ID_NIHAI_USTVERI = "IdNihaiUstveri"
ID_BELGE_HEDEF = "IdBelgeHedef"
ID_BELGE_IMZA = "IdBelgeImza"
ID_PAKET_OZETI = "IdPaketOzeti"
ID_NIHAI_OZET = "IdNihaiOzet"
ID_IMZA = "IdImzaCades"
ID_MUHUR = "IdMuhurCades"
ID_EK_PREFIX = "IdEk_"
ID_IMZASIZ_EK_PREFIX = "IdImzasizEk_"

# --- core properties ---
CATEGORY = "RESMIYAZISMA"
PACKAGE_MIME = "application/eyazisma"

# --- digest references ---
REF_TYPE_INTERNAL = "http://eyazisma.dpt/bilesen#dahili"
REF_TYPE_EXTERNAL = "http://eyazisma.dpt/bilesen#harici"

DIGEST_SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
DIGEST_SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
DIGEST_SHA384 = "http://www.w3.org/2001/04/xmldsig-more#sha384"
DIGEST_SHA512 = "http://www.w3.org/2001/04/xmlenc#sha512"
# hashlib names; SHA-1 is read (packages from old tools) but never written.
DIGEST_ALGORITHMS = {
    DIGEST_SHA1: "sha1",
    DIGEST_SHA256: "sha256",
    DIGEST_SHA384: "sha384",
    DIGEST_SHA512: "sha512",
}
DIGEST_URIS = {name: uri for uri, name in DIGEST_ALGORITHMS.items()}


def ns(schema: str, major: int) -> str:
    """The namespace of one of the guide's schemas (``Ustveri``, ``Tipler``…) in a version."""
    return f"urn:dpt:eyazisma:schema:xsd:{schema}-{major}"


# Root element names per schema and major version.
ROOT_USTVERI = {1: "Ustveri", 2: "UstVeri"}
ROOT_NIHAI_USTVERI = "NihaiUstVeri"
