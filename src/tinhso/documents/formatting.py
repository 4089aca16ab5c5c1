"""How dates, places, durations and QR codes are written on the official forms."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import segno
from django.utils import timezone

from tinhso.core.calendar import DeadlineUnit

NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
NATIONAL_MOTTO = "Độc lập - Tự do - Hạnh phúc"

#: Kinds of administrative unit that open a unit's name ("Xã Phú Túc" is written "Phú Túc" before
#: the date of a document).
_UNIT_PREFIX = re.compile(r"^(xã|phường|đặc khu|thị trấn|thị xã|huyện|quận|thành phố|tỉnh)\s+", re.IGNORECASE)


def local(moment: dt.datetime | None) -> dt.datetime | None:
    return timezone.localtime(moment) if moment else None


def date_short(moment: dt.datetime | dt.date | None) -> str:
    """dd/mm/yyyy."""
    if moment is None:
        return ""
    if isinstance(moment, dt.datetime):
        moment = timezone.localtime(moment)
    return moment.strftime("%d/%m/%Y")


def time_and_date(moment: dt.datetime | None) -> str:
    """"14 giờ 30 phút, ngày 15/01/2026" — how the forms write a moment."""
    if moment is None:
        return ""
    at = timezone.localtime(moment)
    return f"{at:%H} giờ {at:%M} phút, ngày {at:%d/%m/%Y}"


def date_line(place: str, moment: dt.datetime | dt.date | None) -> str:
    """"Phú Túc, ngày 15 tháng 01 năm 2026" (the place and date line under the national motto)."""
    if isinstance(moment, dt.datetime):
        moment = timezone.localtime(moment)
    day = moment or timezone.localdate()
    return f"{place}, ngày {day:%d} tháng {day:%m} năm {day:%Y}"


def place_of(agency) -> str:
    """The place name of an agency's unit, without its kind: "Xã Phú Túc" → "Phú Túc"."""
    unit = getattr(agency, "unit", None)
    name = (unit.name if unit else "") or agency.name
    return _UNIT_PREFIX.sub("", name).strip() or name


def duration(amount: Decimal | float | str, unit: str) -> str:
    """"3 ngày làm việc", "0,5 ngày" — a time limit as the forms write it."""
    number = Decimal(str(amount)).normalize()
    text = f"{number:f}".replace(".", ",")
    label = {DeadlineUnit.HOUR: "giờ làm việc", DeadlineUnit.DAY: "ngày",
             DeadlineUnit.WORKING_DAY: "ngày làm việc", DeadlineUnit.MONTH: "tháng"}.get(unit, str(unit))
    return f"{text} {label}"


def qr_data_uri(url: str) -> str:
    """A PNG QR code of `url` as a data: URI (an image in the PDF, not vector paths: scanners and
    checks see one image). Error correction M survives a crease or a stamp on a printed form."""
    return segno.make(url, error="m", micro=False).png_data_uri(scale=4, border=2)
