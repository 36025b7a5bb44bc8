"""Open Packaging Conventions: a ZIP with [Content_Types].xml and relationship parts.

Reading is defensive: the package comes from outside. Entry names are checked before
anything is read, sizes are counted while decompressing (headers can lie), and limits on
entry count, part size, total size and compression ratio stop zip bombs.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from lxml import etree

from . import constants as c
from .errors import EYPInvalid, EYPTooLarge, EYPUnsafePath
from .xmlutil import parse_xml

CONTENT_TYPES_NAME = "[Content_Types].xml"
_ZIP_DATE = (2000, 1, 1, 0, 0, 0)  # fixed timestamps: the same input builds the same bytes
_BAD_CHARS = re.compile(r"[\x00-\x1f\\:*?\"<>|]")


@dataclass(frozen=True)
class Limits:
    """Upper bounds for an incoming package (defaults suit a KEP message, see the ADR)."""

    max_package_bytes: int = 100 * 1024 * 1024
    max_total_bytes: int = 300 * 1024 * 1024
    max_part_bytes: int = 150 * 1024 * 1024
    max_entries: int = 500
    max_ratio: int = 100  # uncompressed / compressed, per entry and overall
    ratio_floor_bytes: int = 1024 * 1024  # tiny entries may compress well (XML does)


@dataclass(frozen=True)
class Relationship:
    id: str
    type: str
    target: str  # resolved absolute part name, or the raw URI when external
    external: bool = False


@dataclass
class OPCPackage:
    """Parts by name (``/Ustveri/Ustveri.xml``), content types and relationships."""

    parts: dict[str, bytes] = field(default_factory=dict)
    content_types: dict[str, str] = field(default_factory=dict)
    relationships: dict[str, list[Relationship]] = field(default_factory=dict)

    # -- reading helpers --
    def get(self, name: str) -> bytes | None:
        wanted = name.lower()
        for key, value in self.parts.items():
            if key.lower() == wanted:
                return value
        return None

    def rels(self, source: str, rel_type: str) -> list[Relationship]:
        # Case-insensitive: producers disagree on the case of e-Yazışma types (ADR 0015).
        wanted = rel_type.lower()
        return [r for r in self.relationships.get(source, []) if r.type.lower() == wanted]

    def target(self, source: str, rel_type: str) -> str | None:
        for rel in self.rels(source, rel_type):
            if not rel.external and self.get(rel.target) is not None:
                return self.canonical(rel.target)
        return None

    def canonical(self, name: str) -> str:
        wanted = name.lower()
        for key in self.parts:
            if key.lower() == wanted:
                return key
        return name

    # -- writing helpers --
    def put(self, name: str, data: bytes, content_type: str) -> None:
        self.parts[name] = data
        self.content_types[name] = content_type

    def relate(self, source: str, rel_type: str, target: str, rel_id: str) -> None:
        self.relationships.setdefault(source, []).append(Relationship(rel_id, rel_type, target))


def _rels_name(source: str) -> str:
    if source in ("", "/"):
        return "/_rels/.rels"
    directory, base = posixpath.split(source)
    return f"{directory}/_rels/{base}.rels"


def _relative(source: str, target: str) -> str:
    start = posixpath.dirname(source) if source not in ("", "/") else "/"
    return posixpath.relpath(target, start)


def write(package: OPCPackage) -> bytes:
    """The package as ZIP bytes (deflated, deterministic order and timestamps)."""
    extensions = {"rels": c.CT_RELATIONSHIPS, "xml": c.CT_XML}
    root = etree.Element(f"{{{c.NS_CONTENT_TYPES}}}Types", nsmap={None: c.NS_CONTENT_TYPES})
    for ext, ctype in extensions.items():
        etree.SubElement(root, f"{{{c.NS_CONTENT_TYPES}}}Default", Extension=ext, ContentType=ctype)
    for name, ctype in package.content_types.items():
        ext = posixpath.splitext(name)[1].lstrip(".").lower()
        if extensions.get(ext) != ctype:
            etree.SubElement(
                root, f"{{{c.NS_CONTENT_TYPES}}}Override", PartName=name, ContentType=ctype
            )
    files: list[tuple[str, bytes]] = [
        (CONTENT_TYPES_NAME, etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    ]
    for source, rels in package.relationships.items():
        rel_root = etree.Element(
            f"{{{c.NS_RELATIONSHIPS}}}Relationships", nsmap={None: c.NS_RELATIONSHIPS}
        )
        for rel in rels:
            target = rel.target if source in ("", "/") else _relative(source, rel.target)
            etree.SubElement(
                rel_root,
                f"{{{c.NS_RELATIONSHIPS}}}Relationship",
                Id=rel.id,
                Type=rel.type,
                Target=target,
            )
        files.append(
            (
                _rels_name(source).lstrip("/"),
                etree.tostring(rel_root, xml_declaration=True, encoding="UTF-8"),
            )
        )
    files.extend((name.lstrip("/"), data) for name, data in package.parts.items())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def check_entry_name(name: str) -> str:
    """The part name (``/a/b``) for a zip entry, or EYPUnsafePath."""
    unsafe = _("The package contains an unsafe file name: %(name)s.") % {"name": name[:200]}
    if not name or name.startswith(("/", "\\")) or _BAD_CHARS.search(name):
        raise EYPUnsafePath(unsafe, part=name)
    segments = name.split("/")
    if any(segment in ("", ".", "..") for segment in segments[:-1]) or segments[-1] in (".", ".."):
        raise EYPUnsafePath(unsafe, part=name)
    return "/" + name


def read(data: bytes, limits: Limits | None = None) -> OPCPackage:
    """Open an untrusted OPC package, enforcing ``limits``; EYPError subclasses on refusal."""
    limits = limits or Limits()
    if len(data) > limits.max_package_bytes:
        raise EYPTooLarge(
            _("The package is %(size)d bytes; the limit is %(limit)d bytes.")
            % {"size": len(data), "limit": limits.max_package_bytes}
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise EYPInvalid(_("The file is not a valid ZIP (e-Yazışma) package.")) from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_entries:
            raise EYPTooLarge(
                _("The package has %(count)d entries; the limit is %(limit)d.")
                % {"count": len(infos), "limit": limits.max_entries}
            )
        raw: dict[str, bytes] = {}
        seen: set[str] = set()
        total = 0
        for info in infos:
            if info.is_dir():
                check_entry_name(info.filename.rstrip("/") + "/x")
                continue
            name = check_entry_name(info.filename)
            if name.lower() in seen:
                raise EYPInvalid(
                    _("The package contains the part %(part)s twice.") % {"part": name}, part=name
                )
            seen.add(name.lower())
            if info.flag_bits & 0x1:
                raise EYPInvalid(
                    _("The part %(part)s is encrypted inside the ZIP.") % {"part": name}, part=name
                )
            content = _read_entry(archive, info, name, limits, total)
            total += len(content)
            raw[name] = content
        if total > limits.ratio_floor_bytes and total > limits.max_ratio * max(len(data), 1):
            raise EYPTooLarge(_("The package expands too much when unpacked (a zip bomb?)."))
    return _parse_structure(raw)


def _read_entry(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, limits: Limits, total: int
) -> bytes:
    budget = min(limits.max_part_bytes, limits.max_total_bytes - total)
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as stream:
            while True:
                chunk = stream.read(64 * 1024)
                if not chunk:
                    break
                size += len(chunk)
                if size > budget:
                    raise EYPTooLarge(
                        _("The part %(part)s is larger than the allowed size.") % {"part": name},
                        part=name,
                    )
                if size > limits.ratio_floor_bytes and size > limits.max_ratio * max(
                    info.compress_size, 1
                ):
                    raise EYPTooLarge(
                        _("The part %(part)s expands too much when unpacked (a zip bomb?).")
                        % {"part": name},
                        part=name,
                    )
                chunks.append(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise EYPInvalid(
            _("The part %(part)s cannot be read from the ZIP.") % {"part": name}, part=name
        ) from exc
    return b"".join(chunks)


def _parse_structure(raw: dict[str, bytes]) -> OPCPackage:
    package = OPCPackage()
    lower = {name.lower(): name for name in raw}
    types_name = lower.get("/" + CONTENT_TYPES_NAME.lower())
    if types_name is None:
        raise EYPInvalid(_("The package has no [Content_Types].xml."))
    if "/_rels/.rels" not in lower:
        raise EYPInvalid(_("The package has no _rels/.rels."))
    defaults: dict[str, str] = {}
    overrides: dict[str, str] = {}
    types = parse_xml(raw[types_name], part=CONTENT_TYPES_NAME)
    for element in types:
        if not isinstance(element.tag, str):
            continue
        tag = etree.QName(element).localname
        if tag == "Default":
            defaults[element.get("Extension", "").lower()] = element.get("ContentType", "")
        elif tag == "Override":
            overrides[element.get("PartName", "").lower()] = element.get("ContentType", "")
    for name, content in raw.items():
        if name == types_name:
            continue
        if "/_rels/" in name.lower() and name.lower().endswith(".rels"):
            source = _source_of(name)
            package.relationships[source] = _parse_rels(content, name, source)
            continue
        ext = posixpath.splitext(name)[1].lstrip(".").lower()
        package.parts[name] = content
        package.content_types[name] = overrides.get(name.lower(), defaults.get(ext, ""))
    return package


def _source_of(rels_name: str) -> str:
    directory, base = posixpath.split(rels_name)
    parent = posixpath.dirname(directory)
    if base == ".rels" and parent in ("", "/"):
        return ""
    return posixpath.join(parent, base[: -len(".rels")])


def _parse_rels(content: bytes, name: str, source: str) -> list[Relationship]:
    root = parse_xml(content, part=name)
    rels: list[Relationship] = []
    base = posixpath.dirname(source) if source else "/"
    for element in root:
        if not isinstance(element.tag, str) or etree.QName(element).localname != "Relationship":
            continue
        target = element.get("Target", "")
        external = element.get("TargetMode", "") == "External"
        if not external:
            target = target.split("#", 1)[0]
            resolved = posixpath.normpath(posixpath.join(base, target))
            if not resolved.startswith("/") or ".." in resolved.split("/"):
                raise EYPUnsafePath(
                    _("The relationship %(id)s in %(part)s points outside the package.")
                    % {"id": element.get("Id", ""), "part": name},
                    part=name,
                )
            target = resolved
        rels.append(Relationship(element.get("Id", ""), element.get("Type", ""), target, external))
    return rels
