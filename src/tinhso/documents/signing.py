"""PAdES signatures with pyHanko, with the competent agency's key.

Where the key is (a `SigningKey` row per agency, the settings for the rest):

- ``pkcs12`` (default): the file ``TINHSO_SIGNING_DIR/<agency code>.p12`` (or the row's
  `pkcs12_file`), decrypted with the environment variable ``TINHSO_SIGNING_PASSPHRASE`` when it is
  encrypted. Loaded once per process and file version.
- ``pkcs11``: a token or HSM through its PKCS#11 module (``TINHSO_PKCS11_MODULE``), the token chosen
  by ``TINHSO_PKCS11_TOKEN_LABEL`` and/or ``TINHSO_PKCS11_SLOT``, logged in with the PIN from the
  environment variable ``TINHSO_PKCS11_PIN``; the key found by its label (the row's
  `pkcs11_key_label`, by default the agency's code), the certificate by label or from the row.
  A session is opened for each signature and closed after it.

Signatures are PAdES baseline B-B (ETSI EN 319 142-1): CAdES-detached with the signing-certificate-v2
attribute, no time-stamp (there is no time-stamping authority to call), in an invisible
signature field; the visible signature block is typeset with the document (docs/decisions.md).
"""

from __future__ import annotations

import io
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.utils.translation import gettext as _

from tinhso.core.models import Agency
from tinhso.documents.models import SigningBackend, SigningKey
from tinhso.dossiers.errors import DossierError

FIELD_NAME = "ChuKySoCoQuan"
PASSPHRASE_ENV = "TINHSO_SIGNING_PASSPHRASE"
PIN_ENV = "TINHSO_PKCS11_PIN"


class SigningUnavailable(DossierError):
    """The agency's key cannot be used (missing, locked, misconfigured). Nothing was signed."""

    status = 503
    code = "signing_unavailable"


@dataclass(frozen=True)
class SignerInfo:
    """What the signing certificate says, for the visible block and the e-result's row."""

    name: str            # subject commonName
    organisation: str    # subject organizationName
    serial: str          # hex
    is_demo: bool


def certificate_info(cert: asn1_x509.Certificate, *, is_demo: bool = False) -> SignerInfo:
    subject = cert.subject.native
    return SignerInfo(name=str(subject.get("common_name", "")), organisation=str(subject.get("organization_name", "")),
                      serial=format(cert.serial_number, "x"), is_demo=is_demo)


def _pem_certificate(text: str) -> asn1_x509.Certificate:
    data = text.encode()
    if asn1_pem.detect(data):
        _type, _headers, data = asn1_pem.unarmor(data)
    return asn1_x509.Certificate.load(data)


# --- PKCS#12 -------------------------------------------------------------------------------------

_p12_cache: dict[tuple[str, int, int], object] = {}
_p12_lock = threading.Lock()


def pkcs12_path(agency: Agency, key: SigningKey | None) -> Path:
    name = (key.pkcs12_file if key and key.pkcs12_file else f"{agency.code}.p12")
    directory = Path(settings.TINHSO_SIGNING_DIR).resolve()
    path = (directory / name).resolve()
    if directory not in path.parents:
        raise SigningUnavailable(_("Đường dẫn tệp khóa của %(agency)s không hợp lệ.") % {"agency": agency.name})
    return path


def _loaded_key_signer(pkcs12_data: bytes, passphrase: bytes | None):
    """A pyHanko SimpleSigner from PKCS#12 bytes that keeps its private key parsed.

    SimpleSigner parses the DER private key again for every raw signature; for RSA, OpenSSL's key
    check on parsing costs tens of milliseconds, more than the signature. RSA PKCS#1 v1.5 and ECDSA
    (what CAs issue to agencies) use the parsed key; anything else goes through pyHanko."""
    from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from cryptography.hazmat.primitives.serialization import pkcs12
    from pyhanko.keys.internal import (
        translate_pyca_cryptography_cert_to_asn1,
        translate_pyca_cryptography_key_to_asn1,
    )
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore
    from pyhanko_certvalidator.util import get_pyca_cryptography_hash

    class LoadedKeySigner(signers.SimpleSigner):
        def __init__(self, *, pyca_key, **kwargs):
            super().__init__(**kwargs)
            self._pyca_key = pyca_key

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)["algorithm"].native
            hash_algo = get_pyca_cryptography_hash(digest_algorithm)
            if mechanism.endswith("rsassa_pkcs1v15") and isinstance(self._pyca_key, RSAPrivateKey):
                return self._pyca_key.sign(data, PKCS1v15(), hash_algo)
            if mechanism.endswith("ecdsa") and isinstance(self._pyca_key, EllipticCurvePrivateKey):
                return self._pyca_key.sign(data, ECDSA(hash_algo))
            return super().sign_raw(data, digest_algorithm)

    private_key, cert, chain = pkcs12.load_key_and_certificates(pkcs12_data, passphrase)
    if private_key is None or cert is None:
        raise ValueError("no key or certificate in the PKCS#12 data")
    store = SimpleCertificateStore()
    store.register_multiple(translate_pyca_cryptography_cert_to_asn1(c) for c in chain or ())
    return LoadedKeySigner(pyca_key=private_key, signing_key=translate_pyca_cryptography_key_to_asn1(private_key),
                           signing_cert=translate_pyca_cryptography_cert_to_asn1(cert), cert_registry=store)


def _pkcs12_signer(agency: Agency, key: SigningKey | None):
    path = pkcs12_path(agency, key)
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise SigningUnavailable(
            _("Chưa có khóa ký số của %(agency)s (tệp %(file)s). Quản trị hệ thống cần cài khóa của cơ quan.")
            % {"agency": agency.name, "file": path.name}) from None
    cache_key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _p12_lock:
        signer = _p12_cache.get(cache_key)
    if signer is not None:
        return signer
    passphrase = os.environ.get(PASSPHRASE_ENV)
    try:
        signer = _loaded_key_signer(path.read_bytes(), passphrase.encode() if passphrase else None)
    except ValueError:
        raise SigningUnavailable(
            _("Không mở được tệp khóa ký số của %(agency)s: sai mật khẩu hoặc tệp hỏng.") % {"agency": agency.name}
        ) from None
    with _p12_lock:
        _p12_cache.clear()  # one version per file is enough; keys change rarely
        _p12_cache[cache_key] = signer
    return signer


# --- PKCS#11 -------------------------------------------------------------------------------------

@dataclass
class Pkcs11Config:
    module: str
    token_label: str | None
    slot: int | None
    key_label: str
    cert_label: str | None
    certificate: asn1_x509.Certificate | None


def pkcs11_config(agency: Agency, key: SigningKey | None) -> Pkcs11Config:
    """The token configuration for `agency`, checked as far as it can be without the token."""
    module = settings.TINHSO_PKCS11_MODULE
    if not module:
        raise SigningUnavailable(_("Chưa cấu hình thư viện PKCS#11 (TINHSO_PKCS11_MODULE) để ký bằng thiết bị."))
    if not Path(module).is_file():
        raise SigningUnavailable(_("Không tìm thấy thư viện PKCS#11 %(module)s.") % {"module": module})
    certificate = _pem_certificate(key.certificate_pem) if key and key.certificate_pem.strip() else None
    key_label = (key.pkcs11_key_label if key and key.pkcs11_key_label else agency.code)
    cert_label = key.pkcs11_cert_label if key and key.pkcs11_cert_label else (None if certificate else key_label)
    return Pkcs11Config(module=module, token_label=settings.TINHSO_PKCS11_TOKEN_LABEL or None,
                        slot=settings.TINHSO_PKCS11_SLOT, key_label=key_label, cert_label=cert_label,
                        certificate=certificate)


class _Pkcs11Session:
    """A logged-in session on the token for one signature."""

    def __init__(self, config: Pkcs11Config, agency: Agency):
        self.config, self.agency, self.session = config, agency, None

    def __enter__(self):
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign import pkcs11 as hanko_pkcs11

        pin = os.environ.get(PIN_ENV)
        if not pin:
            raise SigningUnavailable(_("Thiếu mã PIN của thiết bị ký số (biến môi trường %(env)s).") % {"env": PIN_ENV})
        try:
            self.session = hanko_pkcs11.open_pkcs11_session(
                self.config.module, slot_no=self.config.slot,
                token_criteria=TokenCriteria(label=self.config.token_label) if self.config.token_label else None,
                user_pin=pin)
            return hanko_pkcs11.PKCS11Signer(
                self.session, key_label=self.config.key_label, cert_label=self.config.cert_label,
                signing_cert=self.config.certificate, embed_roots=False)
        except SigningUnavailable:
            raise
        except Exception as exc:  # the module's own errors: wrong PIN, no token, no key
            self.close()
            raise SigningUnavailable(
                _("Không dùng được thiết bị ký số của %(agency)s: %(error)s")
                % {"agency": self.agency.name, "error": type(exc).__name__}) from exc

    def close(self) -> None:
        if self.session is not None:
            try:
                self.session.close()
            finally:
                self.session = None

    def __exit__(self, *exc_info) -> None:
        self.close()


# --- Choosing and using the signer -------------------------------------------------------------

class AgencySigner:
    """The agency's signer for one or more signatures: `with AgencySigner(agency) as s: ...`."""

    def __init__(self, agency: Agency):
        self.agency = agency
        self.key = SigningKey.objects.filter(agency=agency).first()
        self.backend = (self.key.backend if self.key and self.key.backend else settings.TINHSO_SIGNING_BACKEND)
        if self.backend not in SigningBackend.values:
            raise SigningUnavailable(_("Cấu hình TINHSO_SIGNING_BACKEND phải là pkcs12 hoặc pkcs11."))
        self._session: _Pkcs11Session | None = None
        self.signer = None  # a pyhanko.sign.signers.Signer once entered

    def __enter__(self) -> Self:
        if self.backend == SigningBackend.PKCS11:
            self._session = _Pkcs11Session(pkcs11_config(self.agency, self.key), self.agency)
            self.signer = self._session.__enter__()
        else:
            self.signer = _pkcs12_signer(self.agency, self.key)
        if self.signer.signing_cert is None:
            raise SigningUnavailable(_("Không tìm thấy chứng thư số của %(agency)s.") % {"agency": self.agency.name})
        return self

    def __exit__(self, *exc_info) -> None:
        if self._session is not None:
            self._session.__exit__(*exc_info)

    @property
    def info(self) -> SignerInfo:
        return certificate_info(self.signer.signing_cert, is_demo=bool(self.key and self.key.is_demo))

    def sign(self, pdf: bytes, *, reason: str = "", location: str = "") -> bytes:
        return pdf_sign(pdf, signer=self.signer, reason=reason, location=location)


def pdf_sign(pdf: bytes, *, signer, reason: str = "", location: str = "") -> bytes:
    """`pdf` with a PAdES B-B signature of `signer` (a pyHanko Signer) added as an incremental
    update. pyHanko is imported here: it takes about a second to import."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        reason=reason or None, location=location or None)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    out = signers.sign_pdf(writer, meta, signer=signer, existing_fields_only=False,
                           bytes_reserved=_reserved_bytes(signer))
    return out.getvalue()


def _reserved_bytes(signer) -> int:
    """Room for the CMS signature: the certificates it embeds plus a generous 6 KB for the
    signature value and the signed attributes. Given, it spares pyHanko a dry-run signature to
    measure the size (half the signing time)."""
    certs = [signer.signing_cert, *signer.cert_registry]
    size = 6144 + sum(len(cert.dump()) for cert in certs if cert is not None)
    return -(-size // 512) * 512  # pyHanko wants an even number; whole 512-byte blocks
