"""Demo keys: a root CA "tinhso demo CA — không dùng thật" and a certificate per agency.

For the demo and the tests only. Every certificate says it is a demo in its subject (OU "DEMO —
không dùng thật"); the demo CA is trusted only where ``TINHSO_TRUST_DEMO_CA`` is on (the demo).
A real deployment installs the agencies' keys issued by a licensed CA (on tokens, or as PKCS#12
files under TINHSO_SIGNING_DIR) and lists the national root in ``TINHSO_TRUSTED_ROOTS``.

Files, in TINHSO_SIGNING_DIR (0700): ``demo-ca.pem`` (certificate), ``demo-ca.key.pem`` (its key,
kept to issue the next agency's certificate), ``<agency code>.p12`` per agency (0600), encrypted
with TINHSO_SIGNING_PASSPHRASE when that variable is set.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.db import transaction

from tinhso.accounts.models import Role
from tinhso.accounts.selectors import roles_current
from tinhso.core.models import Agency
from tinhso.documents.models import SigningBackend, SigningKey
from tinhso.documents.signing import PASSPHRASE_ENV
from tinhso.documents.verification import DEMO_CA_FILE

DEMO_CA_NAME = "tinhso demo CA — không dùng thật"
DEMO_MARK = "DEMO — không dùng thật"
DEMO_CA_KEY_FILE = "demo-ca.key.pem"
KEY_BITS = 2048  # what Vietnamese CAs issue to organisations


def signing_dir() -> Path:
    directory = Path(settings.TINHSO_SIGNING_DIR)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    return directory


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, path)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def demo_ca_ensure() -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    """The demo CA of this data directory, created the first time."""
    directory = signing_dir()
    cert_path, key_path = directory / DEMO_CA_FILE, directory / DEMO_CA_KEY_FILE
    if cert_path.is_file() and key_path.is_file():
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        return cert, key
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tinhso — " + DEMO_MARK),
        x509.NameAttribute(NameOID.COMMON_NAME, DEMO_CA_NAME),
    ])
    now = _now()
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    _write_private(key_path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert, key


def agency_certificate_issue(agency: Agency, *, ca_cert: x509.Certificate, ca_key,
                             key=None) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A demo signing certificate for `agency`: CN and O the agency's name, its QCVN 102 code as UID,
    key usage digitalSignature + nonRepudiation (what validators require of a document signer)."""
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, agency.name[:64]),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, DEMO_MARK),
        x509.NameAttribute(NameOID.USER_ID, agency.code),
        x509.NameAttribute(NameOID.COMMON_NAME, agency.name[:64]),
    ])
    now = _now()
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=3 * 365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return key, cert


def pkcs12_bytes(agency: Agency, key, cert: x509.Certificate, ca_cert: x509.Certificate) -> bytes:
    passphrase = os.environ.get(PASSPHRASE_ENV)
    encryption = (serialization.BestAvailableEncryption(passphrase.encode()) if passphrase
                  else serialization.NoEncryption())
    return pkcs12.serialize_key_and_certificates(agency.code.encode(), key, cert, [ca_cert], encryption)


def signing_agencies() -> list[Agency]:
    """Agencies whose leaders sign results: where someone holds the leader role today."""
    ids = roles_current(role=Role.LEADER).values("agency_id")
    return list(Agency.objects.filter(pk__in=ids).order_by("code"))


def demo_keys_create(*, agencies: Iterable[Agency] | None = None) -> list[SigningKey]:
    """Make sure each agency (by default: every agency with a leader) has a demo key and
    certificate. Idempotent: an agency whose key file exists keeps it. Returns the keys created."""
    ca_cert, ca_key = demo_ca_ensure()
    directory = signing_dir()
    created = []
    for agency in (signing_agencies() if agencies is None else list(agencies)):
        existing = SigningKey.objects.filter(agency=agency).first()
        file_name = (existing.pkcs12_file if existing and existing.pkcs12_file else f"{agency.code}.p12")
        path = directory / file_name
        if existing is not None and path.is_file():
            continue
        if existing is not None and not existing.is_demo:
            continue  # a real key's configuration is never replaced by a demo key
        key, cert = agency_certificate_issue(agency, ca_cert=ca_cert, ca_key=ca_key)
        _write_private(path, pkcs12_bytes(agency, key, cert, ca_cert))
        with transaction.atomic():
            row, _ = SigningKey.objects.update_or_create(agency=agency, defaults={
                "backend": SigningBackend.PKCS12, "pkcs12_file": file_name, "is_demo": True,
                "certificate_pem": cert.public_bytes(serialization.Encoding.PEM).decode()})
        created.append(row)
    return created
