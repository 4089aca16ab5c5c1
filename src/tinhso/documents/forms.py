"""The upload form of the public verification page."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tinhso.dossiers.attachments import size_label

_CHUNK = 64 * 1024


def max_bytes() -> int:
    return int(settings.TINHSO_VERIFY_MAX_BYTES)


def too_large_message() -> str:
    return _("Tệp lớn hơn %(limit)s. Chỉ kiểm tra được tệp PDF tối đa %(limit)s.") % {"limit": size_label(max_bytes())}


class VerifyUploadForm(forms.Form):
    tep = forms.FileField(
        label=gettext_lazy("Tệp PDF cần kiểm tra"),
        error_messages={"required": gettext_lazy("Chọn tệp PDF cần kiểm tra."),
                        "empty": gettext_lazy("Tệp đã chọn rỗng (0 byte). Chọn tệp PDF khác."),
                        "invalid": gettext_lazy("Không đọc được tệp đã gửi. Chọn lại tệp PDF.")},
    )

    def clean_tep(self) -> bytes:
        """The file's bytes, at most TINHSO_VERIFY_MAX_BYTES, starting like a PDF (from its
        content, never its name)."""
        upload = self.cleaned_data["tep"]
        limit = max_bytes()
        if upload.size is not None and upload.size > limit:
            raise forms.ValidationError(too_large_message(), code="too_large")
        upload.seek(0)
        data = bytearray()
        while len(data) <= limit:
            chunk = upload.read(min(_CHUNK, limit + 1 - len(data)))
            if not chunk:
                break
            data += chunk
        if len(data) > limit:
            raise forms.ValidationError(too_large_message(), code="too_large")
        # PDF 2.0 (ISO 32000-2 §7.5.2) allows bytes before the header; readers look in the first 1 KB.
        if b"%PDF-" not in bytes(data[:1024]):
            raise forms.ValidationError(
                _("Tệp “%(name)s” không phải là tệp PDF. Chỉ kiểm tra được văn bản điện tử dạng PDF.")
                % {"name": upload.name[:120]}, code="not_pdf")
        return bytes(data)
