"""Safe intake of dossier files (tệp đính kèm, TaiLieuNop): inspect, store, open, collect orphans.

- **Inspect** (`attachment_inspect`): the size limit (settings.TINHSO_ATTACHMENT_MAX_BYTES) is checked
  before anything is read when the size is known, and never more than limit + 1 bytes are buffered;
  the type is detected from the *content* with `filetype` (settings.TINHSO_ATTACHMENT_TYPES: PDF, JPEG,
  PNG), never from the name; a PDF must start with ``%PDF-``; a name whose extension names another type
  (a PNG called ``x.pdf``, a PDF called ``x.docx``) is refused; the name is made safe for every
  operating system and given the extension of the detected type.
- **Store** (`attachment_store`): the bytes go to ``storages["dossier_files"]`` (outside the web root,
  files 0600) under a content-addressed path ``ab/cd/<sha256>``: no part of the path comes from the
  user, and storing the same content twice writes it once.
- **Orphans**: a file is written before the transaction that records its `Attachment` row commits; if
  that transaction rolls back, the file stays behind, unreferenced. It is harmless (named by its
  hash, never served without a row) and `attachment_orphans()` / ``manage.py attachments_gc`` remove
  such files once they are older than an hour. `attachment_delete_orphan()` removes one at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import filetype
from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage, storages
from django.utils import timezone
from django.utils.translation import gettext as _

STORAGE_ALIAS = "dossier_files"
NAME_MAX = 120
DEFAULT_STEM = "tep-dinh-kem"

#: Display label and the extensions a file of each accepted type may carry; the first is the one
#: the safe name gets.
TYPE_LABELS = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
TYPE_EXTENSIONS = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "image/png": (".png",),
}
#: Extensions that name a definite file type: a name ending in one of them that does not match the
#: content lies about it. An unknown suffix ("Ông A.Nguyen") is just part of the name.
KNOWN_EXTENSIONS = frozenset({
    ".pdf", ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".heic",
    ".heif", ".ico", ".svg", ".psd", ".exe", ".msi", ".dll", ".com", ".scr", ".bat", ".cmd", ".sh", ".ps1",
    ".vbs", ".js", ".mjs", ".jar", ".apk", ".app", ".bin", ".elf", ".so", ".deb", ".rpm", ".dmg", ".iso",
    ".lnk", ".html", ".htm", ".xhtml", ".xml", ".php", ".asp", ".aspx", ".jsp", ".py", ".txt", ".rtf",
    ".csv", ".json", ".doc", ".docx", ".docm", ".xls", ".xlsx", ".xlsm", ".ppt", ".pptx", ".odt", ".ods",
    ".odp", ".zip", ".rar", ".7z", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".mp3", ".mp4", ".avi", ".mov",
    ".mkv", ".wav", ".wmv", ".flv",
})
#: Declared (client) content types that say nothing: ignored.
GENERIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream", "application/x-download",
                           "application/download", "application/force-download"})
TYPE_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/x-png": "image/png",
                "application/x-pdf": "application/pdf"}

_UNSAFE = re.compile(r'[<>:"/\\|?*\x00]')
_SPACES = re.compile(r"\s+")
_EXTENSION = re.compile(r"^\.[a-z0-9]{1,10}$")
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)
_STORAGE_PATH = re.compile(r"^([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})$")
_CHUNK = 64 * 1024

Data = bytes | bytearray | memoryview | IO[bytes]


class AttachmentRejected(Exception):
    """A file refused at intake. `code`: "too_large", "forbidden_type", "extension_mismatch",
    "empty"; `message`: Vietnamese-first, naming the file and the limit or the accepted types."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class InspectedFile:
    safe_name: str       # sanitised, NFC, <= 120 characters, ends with `extension`
    size: int            # bytes
    content_type: str    # detected from the content, one of settings.TINHSO_ATTACHMENT_TYPES
    sha256: str          # lowercase hex of the content
    extension: str       # of the detected type, with the dot: ".pdf", ".jpg", ".png"


# --- Messages ---------------------------------------------------------------------------------

def size_label(size: int) -> str:
    """A size for people: "10 MB", "1,5 MB", "512 KB", "900 byte" (Vietnamese decimal comma)."""
    for unit, factor in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if size >= factor:
            value = round(size / factor, 1)
            text = f"{value:.0f}" if value == int(value) else f"{value:.1f}".replace(".", ",")
            return f"{text} {unit}"
    return f"{size} byte"


def _types_label() -> str:
    return ", ".join(TYPE_LABELS.get(t, t) for t in settings.TINHSO_ATTACHMENT_TYPES)


def _too_large(name: str, limit: int) -> AttachmentRejected:
    return AttachmentRejected("too_large", _(
        "Tệp “%(name)s” vượt quá dung lượng tối đa %(limit)s cho mỗi tệp."
    ) % {"name": name, "limit": size_label(limit)})


# --- Names ------------------------------------------------------------------------------------

def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    # Control and format characters (including bidi overrides such as U+202E, which make
    # "gpj.exe" look like "exe.jpg"), surrogates, private use, unassigned.
    text = "".join(" " if c in "\t\n\r\v\f" else c for c in text if c in "\t\n\r\v\f"
                   or not unicodedata.category(c).startswith("C"))
    text = _UNSAFE.sub("_", text)
    return _SPACES.sub(" ", text).strip()


def _split_name(name: str) -> tuple[str, str]:
    """(stem, extension) of a raw name, directories dropped and characters cleaned; the extension
    keeps its dot and case, and is "" when the last suffix does not look like one."""
    base = unicodedata.normalize("NFC", str(name or "")).replace("\\", "/").rsplit("/", 1)[-1]
    base = _clean(base)
    stem, dot, suffix = base.rpartition(".")
    if dot and _EXTENSION.match("." + suffix.lower()):
        return stem, "." + suffix
    return base, ""


def safe_name(name: str, *, extension: str) -> str:
    """`name` made safe for storage and download on Windows and Unix, ending in `extension`.

    Directories and control characters are dropped, the text NFC-normalised (Vietnamese letters
    kept), characters forbidden on Windows replaced by "_", runs of spaces collapsed; never empty,
    never starting with a dot, at most 120 characters with the extension kept.
    """
    stem, own = _split_name(name)
    if own and own.lower() != extension and own.lower() not in KNOWN_EXTENSIONS:
        stem = f"{stem}{own}"  # "Ông A.Nguyen": not an extension
    stem = stem.strip(" .").lstrip(".")
    stem = stem.strip() or DEFAULT_STEM
    if _WINDOWS_RESERVED.match(stem):
        stem = f"_{stem}"
    room = NAME_MAX - len(extension)
    if len(stem) > room:
        stem = stem[:room].rstrip(" .") or DEFAULT_STEM
    return f"{stem}{extension}"


# --- Reading within the limit -----------------------------------------------------------------

def _known_size(data: Any) -> int | None:
    size = getattr(data, "size", None)
    if isinstance(size, int):
        return size
    try:
        return os.fstat(data.fileno()).st_size
    except (AttributeError, OSError, io.UnsupportedOperation, ValueError):
        pass
    try:
        if data.seekable():
            here = data.tell()
            end = data.seek(0, os.SEEK_END)
            data.seek(here)
            return end - here
    except (AttributeError, OSError, ValueError):
        pass
    return None


def _rewind(data: Any) -> None:
    try:
        if data.seekable():
            data.seek(0)
    except (AttributeError, OSError, ValueError):
        pass


def _read_limited(data: Data, *, limit: int, name: str) -> bytes:
    """The whole content, refused as soon as it is known to exceed `limit` bytes."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        if len(data) > limit:
            raise _too_large(name, limit)
        return bytes(data)
    _rewind(data)
    known = _known_size(data)
    if known is not None and known > limit:
        raise _too_large(name, limit)
    buffer = bytearray()
    while len(buffer) <= limit:
        chunk = data.read(min(_CHUNK, limit + 1 - len(buffer)))
        if not chunk:
            break
        buffer += chunk
    if len(buffer) > limit:
        raise _too_large(name, limit)
    return bytes(buffer)


# --- Inspection -------------------------------------------------------------------------------

def _detect(content: bytes) -> str | None:
    kind = filetype.guess(content[:8192])
    return TYPE_ALIASES.get(kind.mime, kind.mime) if kind is not None else None


def attachment_inspect(*, name: str, data: Data, declared_type: str | None = None) -> InspectedFile:
    """Check one incoming file and describe it; raise AttachmentRejected if it is not acceptable.

    `data` is the bytes or a binary file object (read from its start). `declared_type` (the
    Content-Type the client sent) is only compared when it names one of the accepted types; the
    content decides. The file name in messages is the sanitised one.
    """
    shown = safe_name(name, extension=_split_name(name)[1].lower())
    limit = int(settings.TINHSO_ATTACHMENT_MAX_BYTES)
    content = _read_limited(data, limit=limit, name=shown)
    if not content:
        raise AttachmentRejected("empty", _("Tệp “%(name)s” rỗng (0 byte).") % {"name": shown})

    allowed = tuple(settings.TINHSO_ATTACHMENT_TYPES)
    detected = _detect(content)
    if detected == "application/pdf" and not content.startswith(b"%PDF-"):
        detected = None
    if detected not in allowed:
        raise AttachmentRejected("forbidden_type", _(
            "Tệp “%(name)s” không thuộc loại được chấp nhận. Chỉ nhận tệp %(types)s."
        ) % {"name": shown, "types": _types_label()})

    extensions = TYPE_EXTENSIONS.get(detected) or ("." + filetype.get_type(mime=detected).extension,)
    own = _split_name(name)[1].lower()
    declared = (declared_type or "").split(";", 1)[0].strip().lower()
    declared = TYPE_ALIASES.get(declared, declared)
    lying_name = bool(own) and own not in extensions and own in KNOWN_EXTENSIONS
    lying_type = declared not in GENERIC_TYPES and declared in allowed and declared != detected
    if lying_name or lying_type:
        raise AttachmentRejected("extension_mismatch", _(
            "Phần mở rộng hoặc loại khai báo của tệp “%(name)s” không khớp với nội dung tệp (%(detected)s). "
            "Chỉ nhận tệp %(types)s, đặt tên đúng loại."
        ) % {"name": shown, "detected": TYPE_LABELS.get(detected, detected), "types": _types_label()})

    return InspectedFile(
        safe_name=safe_name(name, extension=extensions[0]), size=len(content), content_type=detected,
        sha256=hashlib.sha256(content).hexdigest(), extension=extensions[0],
    )


# --- Storage ----------------------------------------------------------------------------------

def _storage() -> Storage:
    return storages[STORAGE_ALIAS]


def storage_path_for(sha256: str) -> str:
    """The content-addressed path of a file: ``ab/cd/<sha256>``."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256 or ""):
        raise ValueError("sha256 must be 64 lowercase hex digits")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def _checked_path(storage_path: str) -> str:
    match = _STORAGE_PATH.match(storage_path or "")
    if not match or match.group(3)[:2] != match.group(1) or match.group(3)[2:4] != match.group(2):
        raise ValueError("not a content-addressed attachment path")
    return storage_path


def _touch(storage: Storage, path: str) -> None:
    """Make a reused file young again, so that the orphan collector leaves it to the new row."""
    try:
        os.utime(storage.path(path))
    except (NotImplementedError, OSError):
        pass


def attachment_store(*, inspected: InspectedFile, data: Data) -> str:
    """Write the inspected content to the dossier file storage; return its storage path.

    Idempotent: the same content is written once. The content must be the one inspected (same
    size and SHA-256), otherwise ValueError.
    """
    path = storage_path_for(inspected.sha256)
    try:
        content = _read_limited(data, limit=inspected.size, name=inspected.safe_name)
    except AttachmentRejected:
        raise ValueError("the content differs from the inspected file") from None
    if len(content) != inspected.size or hashlib.sha256(content).hexdigest() != inspected.sha256:
        raise ValueError("the content differs from the inspected file")
    storage = _storage()
    if storage.exists(path):
        if storage.size(path) == inspected.size:
            _touch(storage, path)
            return path
        storage.delete(path)  # a write interrupted half-way: replace it
    saved = storage.save(path, ContentFile(content))
    if saved != path:
        # Another request stored the same content between exists() and save(): keep theirs.
        storage.delete(saved)
    return path


def attachment_open(storage_path: str) -> File:
    """The stored file, opened for binary reading (the caller closes it)."""
    return _storage().open(_checked_path(storage_path), "rb")


def _stored_paths(storage: Storage) -> Iterator[str]:
    try:
        dirs, _files = storage.listdir("")
    except FileNotFoundError:
        return
    for first in sorted(d for d in dirs if re.fullmatch(r"[0-9a-f]{2}", d)):
        subdirs, _files = storage.listdir(first)
        for second in sorted(d for d in subdirs if re.fullmatch(r"[0-9a-f]{2}", d)):
            _dirs, files = storage.listdir(f"{first}/{second}")
            for name in sorted(files):
                path = f"{first}/{second}/{name}"
                if _STORAGE_PATH.match(path) and name.startswith(first + second):
                    yield path


def _old_enough(storage: Storage, path: str, cutoff: dt.datetime | None) -> bool:
    if cutoff is None:
        return True
    try:
        return storage.get_modified_time(path) <= cutoff
    except (FileNotFoundError, OSError):
        return False


def attachment_orphans(*, older_than: dt.timedelta = dt.timedelta(0), batch: int = 500) -> Iterator[str]:
    """Storage paths of stored files that no Attachment row references, last written at least
    `older_than` ago. Reads the storage directory by directory and the rows in batches."""
    from tinhso.dossiers.models import Attachment

    storage = _storage()
    cutoff = timezone.now() - older_than if older_than else None
    pending: list[str] = []

    def unreferenced(paths: list[str]) -> Iterator[str]:
        used = set(Attachment.objects.filter(storage_path__in=paths).values_list("storage_path", flat=True))
        yield from (p for p in paths if p not in used)

    for path in _stored_paths(storage):
        if not _old_enough(storage, path, cutoff):
            continue
        pending.append(path)
        if len(pending) >= batch:
            yield from unreferenced(pending)
            pending = []
    if pending:
        yield from unreferenced(pending)


def attachment_delete_orphan(storage_path: str, *, older_than: dt.timedelta = dt.timedelta(0)) -> bool:
    """Delete one stored file if no Attachment row references it (and it is at least `older_than`
    old); True if deleted. For a file written by a transaction that then rolled back."""
    from tinhso.dossiers.models import Attachment

    path = _checked_path(storage_path)
    storage = _storage()
    if Attachment.objects.filter(storage_path=path).exists():
        return False
    if not storage.exists(path):
        return False
    if older_than and not _old_enough(storage, path, timezone.now() - older_than):
        return False
    storage.delete(path)
    return True
