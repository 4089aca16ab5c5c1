"""The tables of the monitoring centre, and their downloads.

A page builds each of its tables once as a `Table`; the template draws it (caption, `th scope`) and
the download writes the very same rows, so a file always says what the table on the screen says.
CSV is UTF-8 with a byte-order mark (Excel then reads Vietnamese); .xlsx is written by openpyxl in
write-only mode. A long list (the drill-down) streams: rows come from an iterator, chunk by chunk.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from openpyxl import Workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATUS_ICONS = {"met": "✓", "on_track": "↗", "at_risk": "!", "off_track": "✗", "no_data": "–"}


@dataclass(frozen=True)
class Cell:
    text: str
    value: object = None  # a number for the .xlsx (the text otherwise)
    href: str = ""
    status: str = ""  # a target status: drawn as a tag with an icon and its text

    def html(self) -> SafeString:
        return mark_safe(self._html())

    def _html(self) -> str:
        # Plain escaping and joining: format_html per cell was a visible share of a page's time.
        if self.status:
            return (f'<strong class="govuk-tag tinhso-mon-status tinhso-mon-status--{escape(self.status)}">'
                    f'<span aria-hidden="true" class="tinhso-mon-icon"></span>{escape(self.text)}</strong>')
        if self.href:
            return f'<a class="govuk-link" href="{escape(self.href)}">{escape(self.text)}</a>'
        return escape(self.text)


@dataclass
class Table:
    key: str
    caption: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    chart: dict | None = None  # what the chart beside the table draws (same numbers)
    note: str = ""
    heading: str = ""
    more_url: str = ""  # a link under the table (e.g. to the full ranking) and its text
    more_text: str = ""

    def body_html(self) -> SafeString:
        """The rows as HTML (drawn here rather than in the template: a table has up to hundreds of
        cells): the first cell of a row is its header (`th scope="row"`)."""
        return mark_safe("".join(
            '<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">' + row[0]._html() + "</th>"
            + "".join('<td class="govuk-table__cell">' + c._html() + "</td>" for c in row[1:]) + "</tr>"
            for row in self.rows))


def number(value, places: int = 2, *, suffix: str = "") -> str:
    """Vietnamese notation: `.` between thousands, `,` before decimals (62,06 · 1.234)."""
    if value is None:
        return _("Chưa có số liệu")
    quantum = Decimal(1).scaleb(-places)
    text = f"{Decimal(value).quantize(quantum):,.{places}f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".") + suffix


def count(value) -> str:
    return number(value, 0) if value is not None else "—"


def when(value: dt.datetime | None) -> str:
    from django.utils import timezone

    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else "—"


def cell(text: str, value=None, **kw) -> Cell:
    return Cell(text, float(value) if isinstance(value, Decimal) else value, **kw)


def _csv_lines(columns: list[str], rows: Iterable[list[Cell]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    writer.writerow(columns)
    for row in rows:
        writer.writerow([c.text for c in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _filename(name: str, ext: str) -> str:
    return f'attachment; filename="{name}.{ext}"'


def csv_response(table: Table, name: str, rows: Iterable[list[Cell]] | None = None) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_csv_lines(table.columns, rows if rows is not None else table.rows),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _filename(name, "csv")
    return response


def xlsx_response(table: Table, name: str, rows: Iterable[list[Cell]] | None = None) -> HttpResponse:
    workbook = Workbook(write_only=True)  # rows go to a temporary file, not to memory
    sheet = workbook.create_sheet(title=table.key[:31])
    sheet.append([table.caption])
    sheet.append(table.columns)
    for row in rows if rows is not None else table.rows:
        sheet.append([c.value if isinstance(c.value, (int, float)) and not isinstance(c.value, bool) else c.text
                      for c in row])
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = _filename(name, "xlsx")
    return response


def download(table: Table, fmt: str, name: str, rows: Iterable[list[Cell]] | None = None):
    return (xlsx_response if fmt == "xlsx" else csv_response)(table, name, rows)
