"""Is this PDF what the agency signed? The four answers of the public verification page.

- **valid**: every signature is mathematically sound, covers the document as it is now (nothing
  but validation data — DSS, document time-stamps — was appended after the last one), and the
  signer's certificate chains to a trusted root;
- **altered**: a signature does not match the bytes it covers (hash mismatch), or content was
  added after signing (an incremental update that is more than validation data or a further
  signature), or a signed file is too damaged to read;
- **unknown signer**: the signatures are intact and cover the document, but the certificate does
  not chain to a root the deployment trusts (``TINHSO_TRUSTED_ROOTS``; the demo CA only in the demo);
- **not signed**: a readable PDF without a signature.

Validation is offline (no OCSP, CRL or AIA fetching: the verification page must not make the
server call other hosts), with pyHanko's difference analysis for updates after signing.
"""

from __future__ import annotations

import hashlib
import io
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)

DEMO_CA_FILE = "demo-ca.pem"


class Verdict(models.TextChoices):
    VALID = "valid", _("Hợp lệ")
    ALTERED = "altered", _("Đã bị thay đổi")
    UNKNOWN_SIGNER = "unknown_signer", _("Không xác định được người ký")
    NOT_SIGNED = "not_signed", _("Không có chữ ký số")


class NotAPdf(ValueError):
    """The bytes are not a PDF that can be read."""


@dataclass
class Verification:
    verdict: str
    sha256: str
    signer_name: str = ""
    signer_organisation: str = ""
    signed_at: object = None          # aware datetime reported by the signer (no time-stamp: B-B)
    signatures: int = 0
    problems: list[str] = field(default_factory=list)   # codes: digest_mismatch, modified_after_signing, …

    @property
    def ok(self) -> bool:
        return self.verdict == Verdict.VALID


# --- Trusted roots -----------------------------------------------------------------------------

_roots_cache: dict[tuple, list[asn1_x509.Certificate]] = {}
_roots_lock = threading.Lock()


def _pem_certificates(path: Path) -> list[asn1_x509.Certificate]:
    data = path.read_bytes()
    if asn1_pem.detect(data):
        return [asn1_x509.Certificate.load(der) for _t, _h, der in asn1_pem.unarmor(data, multiple=True)]
    return [asn1_x509.Certificate.load(data)]


def trusted_root_files() -> list[Path]:
    files = [Path(p) for p in settings.TINHSO_TRUSTED_ROOTS]
    if settings.TINHSO_TRUST_DEMO_CA:
        files.append(Path(settings.TINHSO_SIGNING_DIR) / DEMO_CA_FILE)
    return files


def trusted_roots() -> list[asn1_x509.Certificate]:
    """The roots signatures must chain to, read once per file version."""
    files = trusted_root_files()
    stamp = []
    for path in files:
        try:
            st = path.stat()
            stamp.append((str(path), st.st_mtime_ns, st.st_size))
        except FileNotFoundError:
            stamp.append((str(path), None, None))
    key = tuple(stamp)
    with _roots_lock:
        if key in _roots_cache:
            return _roots_cache[key]
    roots = []
    for path, mtime, _size in stamp:
        if mtime is None:
            log.warning("trusted root file %s not found", path)
            continue
        roots.extend(_pem_certificates(Path(path)))
    with _roots_lock:
        _roots_cache.clear()
        _roots_cache[key] = roots
    return roots


# --- Verification ------------------------------------------------------------------------------

def _looks_signed(data: bytes) -> bool:
    return b"/ByteRange" in data and b"/Contents" in data


def pdf_verify(data: bytes) -> Verification:
    """The verdict on `data`; NotAPdf when it is not a readable PDF (and shows no signature).
    pyHanko is imported here: it takes about a second to import."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    # What may follow the last signature without the document counting as changed; what may follow
    # an earlier one: also further signatures (filling their fields).
    harmless_after_last = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)
    harmless_after_earlier = (*harmless_after_last, ModificationLevel.FORM_FILLING)
    digest = hashlib.sha256(data).hexdigest()
    if b"%PDF-" not in data[:1024]:
        raise NotAPdf("no PDF header")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = list(reader.embedded_regular_signatures)
    except Exception as exc:  # whatever the parser trips on, the answer is a verdict or NotAPdf
        if not isinstance(exc, (PdfError, ValueError, KeyError, IndexError, TypeError, AttributeError)):
            log.info("unexpected error reading an uploaded PDF: %r", exc)
        if _looks_signed(data):
            # A signed file so damaged it cannot be read: its bytes were changed.
            return Verification(Verdict.ALTERED, digest, problems=["damaged"])
        raise NotAPdf(str(exc)) from exc
    if not signatures:
        return Verification(Verdict.NOT_SIGNED, digest)

    context = ValidationContext(trust_roots=trusted_roots(), allow_fetching=False, revocation_mode="soft-fail")
    problems: list[str] = []
    trusted = True
    last_status = None
    for index, embedded in enumerate(signatures):
        last = index == len(signatures) - 1
        try:
            status = validate_pdf_signature(embedded, signer_validation_context=context)
        except Exception as exc:  # noqa: BLE001 — a signature pyHanko cannot even parse is broken; never crash
            log.info("signature %d could not be validated: %s", index, exc)
            problems.append("unreadable_signature")
            continue
        last_status = status
        if not (status.intact and status.valid):
            problems.append("digest_mismatch")
            continue
        if status.coverage is None or status.coverage < SignatureCoverageLevel.ENTIRE_REVISION:
            problems.append("not_covered")
            continue
        if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
            allowed = harmless_after_last if last else harmless_after_earlier
            if status.modification_level is None or status.modification_level not in allowed \
                    or not status.docmdp_ok:
                problems.append("modified_after_signing")
                continue
        if not status.trusted:
            trusted = False

    found = Verification(Verdict.VALID, digest, signatures=len(signatures), problems=problems)
    if last_status is not None:
        subject = last_status.signing_cert.subject.native
        found.signer_name = str(subject.get("common_name", ""))
        found.signer_organisation = str(subject.get("organization_name", ""))
        found.signed_at = last_status.signer_reported_dt
    if problems:
        found.verdict = Verdict.ALTERED
    elif not trusted:
        found.verdict = Verdict.UNKNOWN_SIGNER
    return found
