"""A sandbox time-stamping authority: real RFC 3161 tokens, signed by a development key.

The tokens are genuine (TSTInfo with policy, serial, genTime, accuracy, nonce; a CMS
signature with an ESS signing-certificate-v2 binding; a certificate with the critical
timeStamping EKU) so openssl, pyHanko and our CAdES reader verify them; only the trust
root is a development CA. With ``directory`` (default: the documents app's development
CA directory, ``var/signing``) the authority uses ``tsa.pem``/``tsa.key.pem`` there, or
issues them from ``ca.pem``/``ca.key.pem``; without a CA there it keeps a root of its own
there (``tsa-root.pem``), so every process stamps with the same authority. Without a
directory the root lives in this process only.

Malformed requests are refused as a TSA refuses them: a TimeStampResp with status
``rejection`` and failInfo ``badDataFormat`` (not DER, wrong digest length), ``badAlg``
(a digest other than SHA-256/384/512), ``unacceptedPolicy`` or ``unacceptedExtension``.
``serve(host, port)`` puts the same authority behind HTTP (``application/timestamp-query``)
so the real HTTP backend can be tested against it.

Options: ``directory``, ``policy`` (an OID; default a UUID-based 2.25 arc owned by the
project), ``accuracy_seconds`` (1), ``latency_ms`` (0).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from asn1crypto import algos, cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from cinar.core.x509dev import (
    ca_certificate,
    dev_name,
    private_key_pem,
    rsa_key,
    timestamping_certificate,
    utcnow,
)
from cinar.integrations.tsa import rfc3161
from cinar.integrations.tsa.protocol import DIGEST_SIZES

#: Çınar's sandbox time-stamp policy: a 2.25 (UUID) OID, so no registration is needed and
#: no real policy can be mistaken for it.
SANDBOX_POLICY_OID = "2.25.163316004512237843981327412452061233410"
CONTENT_TYPE_QUERY = "application/timestamp-query"
CONTENT_TYPE_REPLY = "application/timestamp-reply"
_ORGANIZATION = "Çınar Belediyesi (GELİŞTİRME)"


def _rejection(fail_info: str, text: str) -> bytes:
    return rfc3161.TimeStampResp(
        {
            "status": {
                "status": "rejection",
                "status_string": [text],
                "fail_info": tsp.PKIFailureInfo({fail_info}),
            }
        }
    ).dump()


def _root(key: rsa.RSAPrivateKey) -> x509.Certificate:
    return ca_certificate(
        key=key,
        name=dev_name("Zaman Damgası Sandbox Kök", organization=_ORGANIZATION),
        days=365 * 10,
    )


def _issue(
    root: x509.Certificate, root_key: rsa.RSAPrivateKey, key: rsa.RSAPrivateKey
) -> x509.Certificate:
    return timestamping_certificate(
        ca_cert=root,
        ca_key=root_key,
        key=key,
        name=dev_name("Çınar Geliştirme Zaman Damgası", organization=_ORGANIZATION),
        days=365 * 5,
    )


def _read_key(path: Path) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{path} is not an RSA key")
    return key


def _write(path: Path, data: bytes, *, private: bool = False) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


class SandboxTSA:
    """``timestamp(digest, algorithm)`` and ``respond(request_der)``; see the module doc."""

    def __init__(
        self,
        *,
        directory: str | Path | None = None,
        policy: str = SANDBOX_POLICY_OID,
        accuracy_seconds: int = 1,
        latency_ms: int = 0,
    ) -> None:
        self.policy = policy
        self.accuracy_seconds = accuracy_seconds
        self.latency_ms = latency_ms
        self._lock = threading.Lock()
        # Serial numbers unique across restarts: microseconds at start, then +1 each token.
        self._serials = itertools.count(time.time_ns() // 1000)
        self._cert, self._key, self._ca = self._load(Path(directory) if directory else None)

    # ------------------------------------------------------------------ keys
    @staticmethod
    def _load(
        directory: Path | None,
    ) -> tuple[x509.Certificate, rsa.RSAPrivateKey, x509.Certificate]:
        """(TSA certificate, its key, the root that issued it). With a directory,
        everything is kept there so that every process (web, workers) stamps with the
        same authority: the development CA's ``ca.pem`` when present, else a root of the
        sandbox's own (``tsa-root.pem``)."""
        if directory is None:
            root_key = rsa_key(2048)
            root = _root(root_key)
            key = rsa_key(2048)
            return _issue(root, root_key, key), key, root
        cert_path, key_path = directory / "tsa.pem", directory / "tsa.key.pem"
        roots = [
            x509.load_pem_x509_certificate((directory / name).read_bytes())
            for name in ("ca.pem", "tsa-root.pem")
            if (directory / name).exists()
        ]
        if cert_path.exists() and key_path.exists():
            cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
            issuer = next((r for r in roots if _issued_by(cert, r)), None)
            if issuer is not None:
                return cert, _read_key(key_path), issuer
        if (directory / "ca.pem").exists() and (directory / "ca.key.pem").exists():
            root = x509.load_pem_x509_certificate((directory / "ca.pem").read_bytes())
            root_key = _read_key(directory / "ca.key.pem")
        elif (directory / "tsa-root.pem").exists():
            root = x509.load_pem_x509_certificate((directory / "tsa-root.pem").read_bytes())
            root_key = _read_key(directory / "tsa-root.key.pem")
        else:
            directory.mkdir(parents=True, exist_ok=True)
            root_key = rsa_key(2048)
            root = _root(root_key)
            _write(directory / "tsa-root.key.pem", private_key_pem(root_key), private=True)
            _write(directory / "tsa-root.pem", root.public_bytes(serialization.Encoding.PEM))
        key = rsa_key(2048)
        cert = _issue(root, root_key, key)
        _write(key_path, private_key_pem(key), private=True)
        _write(cert_path, cert.public_bytes(serialization.Encoding.PEM))
        return cert, key, root

    def trust_roots(self) -> list[x509.Certificate]:
        return [self._ca]

    def certificate(self) -> x509.Certificate:
        return self._cert

    # ------------------------------------------------------------------ protocol
    def timestamp(self, digest: bytes, algorithm: str) -> bytes:
        request = rfc3161.build_request(digest, algorithm, policy=self.policy)
        return rfc3161.token_from_response(self.respond(request.dump()), request)

    def respond(self, request_der: bytes) -> bytes:
        """A TimeStampResp (DER) to a TimeStampReq (DER), granted or refused."""
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)
        try:
            request = tsp.TimeStampReq.load(request_der, strict=True)
            version = request["version"].native
            imprint = request["message_imprint"]
            algorithm = imprint["hash_algorithm"]["algorithm"].native
            hashed = imprint["hashed_message"].native
            policy = request["req_policy"].native
            nonce = request["nonce"].native
            cert_req = bool(request["cert_req"].native)
            has_extensions = request["extensions"].native is not None
        except (ValueError, TypeError):
            return _rejection("bad_data_format", "The request is not a DER TimeStampReq.")
        if version != "v1":
            return _rejection("bad_request", "Only version 1 requests are accepted.")
        if algorithm not in DIGEST_SIZES:
            return _rejection("bad_alg", f"Unsupported hash algorithm {algorithm}.")
        if len(hashed) != DIGEST_SIZES[algorithm]:
            return _rejection("bad_data_format", "The digest length does not fit its algorithm.")
        if policy and policy != self.policy:
            return _rejection("unaccepted_policy", f"Policy {policy} is not offered.")
        if has_extensions:
            return _rejection("unaccepted_extensions", "No request extensions are supported.")
        token = self._token(algorithm, hashed, nonce, cert_req)
        return rfc3161.TimeStampResp(
            {"status": {"status": "granted"}, "time_stamp_token": token}
        ).dump()

    def _token(
        self, algorithm: str, hashed: bytes, nonce: int | None, cert_req: bool
    ) -> cms.ContentInfo:
        with self._lock:
            serial = next(self._serials)
        tst: dict[str, object] = {
            "version": "v1",
            "policy": self.policy,
            "message_imprint": {
                "hash_algorithm": {"algorithm": algorithm},
                "hashed_message": hashed,
            },
            "serial_number": serial,
            "gen_time": utcnow(),
            "accuracy": {"seconds": self.accuracy_seconds},
            "tsa": asn1_x509.GeneralName(
                {"directory_name": asn1_x509.Name.load(self._cert.subject.public_bytes())}
            ),
        }
        if nonce is not None:
            tst["nonce"] = nonce
        tst_der = tsp.TSTInfo(tst).dump()
        cert_der = self._cert.public_bytes(serialization.Encoding.DER)
        asn_cert = asn1_x509.Certificate.load(cert_der)
        signed_attrs = cms.CMSAttributes(
            [
                cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}),
                cms.CMSAttribute(
                    {"type": "message_digest", "values": [hashlib.sha256(tst_der).digest()]}
                ),
                rfc3161.signing_certificate_v2(cert_der),
            ]
        )
        signature = self._key.sign(signed_attrs.dump(), padding.PKCS1v15(), hashes.SHA256())
        certificates = [asn_cert]
        if cert_req:
            certificates.append(
                asn1_x509.Certificate.load(self._ca.public_bytes(serialization.Encoding.DER))
            )
        signed_data = cms.SignedData(
            {
                "version": "v3",
                "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
                "encap_content_info": {
                    "content_type": "tst_info",
                    "content": cms.ParsableOctetString(tst_der),
                },
                "certificates": certificates if cert_req else [],
                "signer_infos": [
                    {
                        "version": "v1",
                        "sid": {
                            "issuer_and_serial_number": {
                                "issuer": asn_cert.issuer,
                                "serial_number": asn_cert.serial_number,
                            }
                        },
                        "digest_algorithm": {"algorithm": "sha256"},
                        "signed_attrs": signed_attrs,
                        "signature_algorithm": {"algorithm": "sha256_rsa"},
                        "signature": signature,
                    }
                ],
            }
        )
        if not cert_req:
            del signed_data["certificates"]
        return cms.ContentInfo({"content_type": "signed_data", "content": signed_data})

    # ------------------------------------------------------------------ HTTP
    def serve(self, host: str, port: int) -> ThreadingHTTPServer:
        """Answer RFC 3161 over HTTP at ``http://host:port/`` in a daemon thread; the
        caller stops it with ``shutdown()`` and ``server_close()``."""
        authority = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(min(length, 64 * 1024))
                if self.headers.get_content_type() != CONTENT_TYPE_QUERY:
                    self.send_error(415, "Expected application/timestamp-query")
                    return
                reply = authority.respond(body)
                self.send_response(200)
                self.send_header("Content-Type", CONTENT_TYPE_REPLY)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: object) -> None:
                return

        server = ThreadingHTTPServer((host, port), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server
