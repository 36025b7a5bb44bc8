"""Registering the ETSI attributes with asn1crypto must leave every attribute usable by
name, also when asn1crypto had already built its name → OID map before they were
registered (seed_demo failed that way)."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
from asn1crypto import cms
cms.CMSAttribute({"type": "signing_time", "values": []})  # asn1crypto sets its maps up
import cinar.documents.eyazisma.ets_asn1 as ets
attr = cms.CMSAttribute({"type": "content_type", "values": ["data"]})
assert attr["type"].dotted == "1.2.840.113549.1.9.3", attr["type"].dotted
refs = cms.CMSAttribute({"type": "certificate_refs", "values": [[]]})
assert refs["type"].dotted == ets.OID_CERTIFICATE_REFS
print("ok")
"""


def test_attributes_are_usable_by_name_in_a_fresh_process():
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
