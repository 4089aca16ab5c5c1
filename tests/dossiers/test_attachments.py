"""Safe file intake: size, type from content, lying names, safe names, content-addressed storage,
orphan collection. Files are generated here byte by byte (no imaging library)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import struct
import time
import unicodedata
import zlib
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone

from tinhso.catalog.models import Field, Procedure, ProcedureVersion, VersionStatus, WorkflowDefinition
from tinhso.core.models import AdministrativeUnit, Agency, AgencyKind
from tinhso.dossiers.attachments import (
    AttachmentRejected,
    attachment_delete_orphan,
    attachment_inspect,
    attachment_open,
    attachment_orphans,
    attachment_store,
    safe_name,
)
from tinhso.dossiers.models import Attachment, Dossier, Source
from tinhso.dossiers.national import example_pdf

WORKFLOWS = Path(__file__).resolve().parents[2] / "src/tinhso/catalog/data/workflows"


# --- Real files, built by hand ----------------------------------------------------------------

def pdf_bytes(text: str = "tinhso") -> bytes:
    """A small, well-formed one-page PDF."""
    return example_pdf(text)


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    def chunk(tag: bytes, data: bytes) -> bytes:
        checksum = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", checksum)

    rows = b"".join(b"\x00" + b"\xda\x25\x1d" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def jpeg_bytes() -> bytes:
    """A 1×1 grey baseline JPEG: one block, DC difference 0, end of block."""
    def segment(marker: int, body: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(body) + 2) + body

    one_code = bytes([1] + [0] * 15) + b"\x00"  # one Huffman code of length 1, for symbol 0
    return (b"\xff\xd8"
            + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
            + segment(0xDB, b"\x00" + bytes([1] * 64))
            + segment(0xC0, struct.pack(">BHHB", 8, 1, 1, 1) + b"\x01\x11\x00")
            + segment(0xC4, b"\x00" + one_code) + segment(0xC4, b"\x10" + one_code)
            + segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
            + b"\x3f" + b"\xff\xd9")


ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 40
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 50
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


@pytest.fixture
def files_dir(settings, tmp_path) -> Path:
    """The dossier file storage moved to a temporary directory, with the production options."""
    location = tmp_path / "files"
    config = settings.STORAGES["dossier_files"]
    settings.STORAGES = {**settings.STORAGES,
                         "dossier_files": {**config, "OPTIONS": {**config["OPTIONS"], "location": location}}}
    return location


# --- Inspection: accepted files ---------------------------------------------------------------

def test_pdf_accepted():
    data = pdf_bytes()
    info = attachment_inspect(name="Tờ khai.pdf", data=data)
    assert info.content_type == "application/pdf"
    assert info.extension == ".pdf"
    assert info.safe_name == "Tờ khai.pdf"
    assert info.size == len(data)
    assert info.sha256 == hashlib.sha256(data).hexdigest()


def test_png_and_jpeg_accepted_with_the_extension_of_their_type():
    png = attachment_inspect(name="ảnh chụp.PNG", data=png_bytes())
    assert (png.content_type, png.extension, png.safe_name) == ("image/png", ".png", "ảnh chụp.png")
    jpeg = attachment_inspect(name="chan dung.jpeg", data=jpeg_bytes())
    assert (jpeg.content_type, jpeg.extension, jpeg.safe_name) == ("image/jpeg", ".jpg", "chan dung.jpg")


def test_name_without_extension_gets_the_detected_one():
    assert attachment_inspect(name="scan", data=png_bytes()).safe_name == "scan.png"
    # A suffix that is not a file type stays part of the name.
    assert attachment_inspect(name="Ông A.Nguyen", data=pdf_bytes()).safe_name == "Ông A.Nguyen.pdf"


def test_file_objects_are_read_like_bytes():
    data = pdf_bytes()
    from_stream = attachment_inspect(name="a.pdf", data=io.BytesIO(data))
    assert from_stream == attachment_inspect(name="a.pdf", data=data)


def test_declared_type_generic_is_ignored_and_matching_is_fine():
    assert attachment_inspect(name="a.pdf", data=pdf_bytes(), declared_type="application/octet-stream")
    assert attachment_inspect(name="a.jpg", data=jpeg_bytes(), declared_type="image/jpg")


# --- Inspection: refusals ---------------------------------------------------------------------

def test_too_large_bytes(settings):
    settings.TINHSO_ATTACHMENT_MAX_BYTES = 100
    with pytest.raises(AttachmentRejected) as caught:
        attachment_inspect(name="Giấy khai sinh.pdf", data=pdf_bytes())
    assert caught.value.code == "too_large"
    assert "Giấy khai sinh.pdf" in caught.value.message and "100 byte" in caught.value.message


def test_exactly_at_the_limit_is_accepted(settings):
    data = pdf_bytes()
    settings.TINHSO_ATTACHMENT_MAX_BYTES = len(data)
    assert attachment_inspect(name="a.pdf", data=data).size == len(data)
    assert attachment_inspect(name="a.pdf", data=io.BytesIO(data)).size == len(data)


class Trickle(io.RawIOBase):
    """A stream of unknown length that counts what is read from it."""

    def __init__(self, data: bytes):
        self.data, self.position, self.read_total = data, 0, 0

    def readable(self):
        return True

    def read(self, size=-1):
        size = len(self.data) - self.position if size is None or size < 0 else size
        chunk = self.data[self.position:self.position + size]
        self.position += len(chunk)
        self.read_total += len(chunk)
        return chunk


def test_too_large_stream_of_unknown_size_is_not_buffered_beyond_the_limit(settings):
    settings.TINHSO_ATTACHMENT_MAX_BYTES = 1000
    stream = Trickle(b"%PDF-1.4\n" + b"x" * 1_000_000)
    with pytest.raises(AttachmentRejected) as caught:
        attachment_inspect(name="lon.pdf", data=stream)
    assert caught.value.code == "too_large"
    assert stream.read_total <= 1001


def test_too_large_known_size_is_refused_before_reading(settings):
    settings.TINHSO_ATTACHMENT_MAX_BYTES = 1000

    class Upload(io.BytesIO):
        size = 5_000_000

        def read(self, *args):
            raise AssertionError("read although the size was known")

    with pytest.raises(AttachmentRejected) as caught:
        attachment_inspect(name="lon.pdf", data=Upload(b""))
    assert caught.value.code == "too_large"


def test_empty():
    for data in (b"", io.BytesIO(b"")):
        with pytest.raises(AttachmentRejected) as caught:
            attachment_inspect(name="rong.pdf", data=data)
        assert caught.value.code == "empty"
        assert "rong.pdf" in caught.value.message


@pytest.mark.parametrize("data", [ZIP, ELF, EXE, HTML, b"%PDF1.4 not quite", b"GIF89a" + b"\x00" * 20],
                         ids=["zip", "elf", "exe", "html", "pdf-without-hyphen", "gif"])
def test_forbidden_types_even_when_named_pdf(data):
    with pytest.raises(AttachmentRejected) as caught:
        attachment_inspect(name="to-khai.pdf", data=data)
    assert caught.value.code == "forbidden_type"
    assert "to-khai.pdf" in caught.value.message
    assert "PDF, JPEG, PNG" in caught.value.message


@pytest.mark.parametrize(("name", "data"), [
    ("x.pdf", png_bytes()), ("anh.png", jpeg_bytes()), ("anh.jpg", pdf_bytes()),
    ("to-khai.docx", pdf_bytes()), ("to-khai.pdf.exe", pdf_bytes()), ("trang.html", pdf_bytes()),
])
def test_lying_extension(name, data):
    with pytest.raises(AttachmentRejected) as caught:
        attachment_inspect(name=name, data=data)
    assert caught.value.code == "extension_mismatch"
    assert name.rsplit(".", 1)[0] in caught.value.message


def test_lying_declared_type():
    with pytest.raises(AttachmentRejected) as caught:
        attachment_inspect(name="to-khai", data=pdf_bytes(), declared_type="image/png")
    assert caught.value.code == "extension_mismatch"


def test_messages_are_vietnamese_first():
    with pytest.raises(AttachmentRejected) as caught:
        attachment_inspect(name="a.pdf", data=ZIP)
    assert "không thuộc loại được chấp nhận" in caught.value.message


# --- Names ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "expected"), [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\Windows\\system32\\x.pdf", "x.pdf"),
    ("C:\\Users\\An\\Giấy khai sinh.pdf", "Giấy khai sinh.pdf"),
    ("Giấy khai sinh.pdf", "Giấy khai sinh.pdf"),
    ("a\x00b\x1fc\x7f.pdf", "abc.pdf"),
    ("hoa\u202efdp.exe.pdf", "hoafdp.exe.pdf"),
    ("dòng\nmới\tvà   khoảng trắng  .pdf", "dòng mới và khoảng trắng.pdf"),
    ('a<b>:c"d|e?f*g.pdf', "a_b__c_d_e_f_g.pdf"),
    (".htaccess.pdf", "htaccess.pdf"),
    ("....pdf", "tep-dinh-kem.pdf"),
    ("", "tep-dinh-kem.pdf"),
    ("   ", "tep-dinh-kem.pdf"),
    ("con.pdf", "_con.pdf"),
    ("BÁO CÁO.PDF", "BÁO CÁO.pdf"),
])
def test_safe_names(raw, expected):
    assert safe_name(raw, extension=".pdf") == expected
    assert attachment_inspect(name=raw, data=pdf_bytes()).safe_name == expected


def test_decomposed_vietnamese_is_normalised_to_nfc():
    decomposed = unicodedata.normalize("NFD", "Giấy khai sinh.pdf")
    assert decomposed != "Giấy khai sinh.pdf"
    assert attachment_inspect(name=decomposed, data=pdf_bytes()).safe_name == "Giấy khai sinh.pdf"


def test_very_long_names_keep_the_extension():
    name = "Bản sao giấy chứng nhận quyền sử dụng đất " * 10 + ".pdf"
    safe = attachment_inspect(name=name, data=pdf_bytes()).safe_name
    assert 110 <= len(safe) <= 120
    assert safe.endswith(".pdf") and not safe.endswith(" .pdf")
    assert safe.startswith("Bản sao giấy")


# --- Storage ----------------------------------------------------------------------------------

def test_store_writes_a_private_content_addressed_file(files_dir):
    data = png_bytes()
    info = attachment_inspect(name="../../anh.png", data=data)
    path = attachment_store(inspected=info, data=data)
    assert path == f"{info.sha256[:2]}/{info.sha256[2:4]}/{info.sha256}"
    stored = files_dir / path
    assert stored.read_bytes() == data
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == info.sha256
    assert stat_mode(stored) == 0o600
    assert stat_mode(stored.parent) == 0o700
    with attachment_open(path) as handle:
        assert handle.read() == data


def stat_mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_store_is_idempotent(files_dir):
    data = pdf_bytes()
    info = attachment_inspect(name="a.pdf", data=data)
    first = attachment_store(inspected=info, data=data)
    second = attachment_store(inspected=attachment_inspect(name="khac.pdf", data=data), data=io.BytesIO(data))
    assert first == second
    assert sorted(p.name for p in (files_dir / first).parent.iterdir()) == [info.sha256]


def test_store_replaces_a_truncated_file(files_dir):
    data = pdf_bytes()
    info = attachment_inspect(name="a.pdf", data=data)
    path = attachment_store(inspected=info, data=data)
    (files_dir / path).write_bytes(data[:10])
    assert attachment_store(inspected=info, data=data) == path
    assert (files_dir / path).read_bytes() == data


def test_store_refuses_other_content_than_inspected(files_dir):
    info = attachment_inspect(name="a.pdf", data=pdf_bytes("mot"))
    with pytest.raises(ValueError):
        attachment_store(inspected=info, data=pdf_bytes("hai"))
    assert not files_dir.exists() or not any(files_dir.rglob("*"))


def test_files_live_outside_the_web_roots(files_dir):
    data = pdf_bytes()
    path = attachment_store(inspected=attachment_inspect(name="a.pdf", data=data), data=data)
    stored = (files_dir / path).resolve()
    roots = [Path(django_settings.STATIC_ROOT).resolve(),
             Path(django_settings.STORAGES["default"]["OPTIONS"]["location"]).resolve()]
    assert all(not stored.is_relative_to(root) for root in roots)


def test_configured_storage_is_private_and_outside_the_web_roots():
    config = django_settings.STORAGES["dossier_files"]
    location = Path(config["OPTIONS"]["location"]).resolve()
    assert config["OPTIONS"]["file_permissions_mode"] == 0o600
    assert config["OPTIONS"]["base_url"] is None
    for root in (django_settings.STATIC_ROOT, django_settings.STORAGES["default"]["OPTIONS"]["location"]):
        root = Path(root).resolve()
        assert not location.is_relative_to(root) and not root.is_relative_to(location)


@pytest.mark.parametrize("path", ["../secret", "ab/cd/../../x", "/etc/passwd", "ab/cd/" + "0" * 64])
def test_open_only_content_addressed_paths(files_dir, path):
    with pytest.raises(ValueError):
        attachment_open(path)


# --- Orphans ----------------------------------------------------------------------------------

def _dossier() -> Dossier:
    unit = AdministrativeUnit.objects.filter(level="commune").first()
    agency = Agency.objects.create(code="T01.01.01.H61", name="UBND xã Thử Tệp",
                                   kind=AgencyKind.COMMUNE_PEOPLES_COMMITTEE, unit=unit)
    data = json.loads((WORKFLOWS / "mot-cua-chuan.json").read_text(encoding="utf-8"))
    workflow = WorkflowDefinition.objects.create(code="tep-thu", version=1, name=data["name"],
                                                 definition=data["definition"],
                                                 status=VersionStatus.PUBLISHED)
    field, _ = Field.objects.get_or_create(code="HT", defaults={"name": "Hộ tịch"})
    procedure = Procedure.objects.create(code="9.000001", name="Thủ tục thử tệp", field=field)
    version = ProcedureVersion.objects.create(procedure=procedure, number=1, status=VersionStatus.PUBLISHED,
                                              name=procedure.name, processing_amount=3,
                                              processing_unit="working_day", workflow=workflow)
    now = timezone.now()
    return Dossier.objects.create(
        code="T01.01.01.H61-250715-0001", procedure=procedure, procedure_version=version, workflow=workflow,
        state="moi_nop", status=1, channel=1, source=Source.COUNTER, receiving_agency=agency,
        competent_agency=agency, holder_agency=agency, applicant_name="Nguyễn Văn An",
        applicant_id_number="086085000123", submitted_at=now, state_entered_at=now)


def _stored(text: str) -> str:
    data = pdf_bytes(text)
    return attachment_store(inspected=attachment_inspect(name="a.pdf", data=data), data=data)


def _age(files_dir: Path, path: str, hours: float) -> None:
    moment = time.time() - hours * 3600
    os.utime(files_dir / path, (moment, moment))


@pytest.mark.django_db
def test_orphans_and_gc_delete_only_old_unreferenced_files(files_dir):
    dossier = _dossier()
    referenced, old_orphan, young_orphan = _stored("dung"), _stored("mo-coi-cu"), _stored("mo-coi-moi")
    for path in (referenced, old_orphan):
        _age(files_dir, path, 2)
    Attachment.objects.create(dossier=dossier, name="a.pdf", storage_path=referenced, size=1,
                              content_type="application/pdf", sha256=referenced.rsplit("/", 1)[1],
                              uploaded_at=timezone.now())
    (files_dir / "README.txt").write_text("not ours")  # files outside the scheme are never listed

    assert set(attachment_orphans()) == {old_orphan, young_orphan}
    assert list(attachment_orphans(older_than=dt.timedelta(hours=1))) == [old_orphan]

    call_command("attachments_gc", "--dry-run", stdout=io.StringIO())
    assert (files_dir / old_orphan).exists()

    out = io.StringIO()
    call_command("attachments_gc", stdout=out)
    assert not (files_dir / old_orphan).exists()
    assert (files_dir / young_orphan).exists() and (files_dir / referenced).exists()
    assert (files_dir / "README.txt").exists()
    assert "1/1" in out.getvalue()


@pytest.mark.django_db
def test_storing_an_old_orphan_again_makes_it_young(files_dir):
    path = _stored("lai")
    _age(files_dir, path, 5)
    assert list(attachment_orphans(older_than=dt.timedelta(hours=1))) == [path]
    _stored("lai")
    assert list(attachment_orphans(older_than=dt.timedelta(hours=1))) == []


@pytest.mark.django_db
def test_delete_orphan_after_a_rollback(files_dir):
    dossier = _dossier()
    kept, orphan = _stored("giu"), _stored("bo")
    Attachment.objects.create(dossier=dossier, name="a.pdf", storage_path=kept, size=1,
                              content_type="application/pdf", sha256=kept.rsplit("/", 1)[1],
                              uploaded_at=timezone.now())
    assert attachment_delete_orphan(kept) is False
    assert attachment_delete_orphan(orphan) is True
    assert attachment_delete_orphan(orphan) is False
    assert (files_dir / kept).exists() and not (files_dir / orphan).exists()


@pytest.mark.django_db
def test_no_storage_directory_yet_means_no_orphans(files_dir):
    assert not files_dir.exists()
    assert list(attachment_orphans()) == []
