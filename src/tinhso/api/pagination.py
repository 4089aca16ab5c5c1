"""One page shape for every list of the API: {count, page, page_size, items}."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from ninja import Field, Schema

PER_PAGE = getattr(settings, "NINJA_PAGINATION_PER_PAGE", 50)
MAX_PER_PAGE = getattr(settings, "NINJA_MAX_PER_PAGE_SIZE", 500)


class PageIn(Schema):
    page: int = Field(1, ge=1, description="Trang, bắt đầu từ 1.")
    page_size: int = Field(PER_PAGE, ge=1, le=MAX_PER_PAGE, description="Số bản ghi mỗi trang.")


def page(rows: QuerySet, params: PageIn, row: Callable[[Any], Any] | None = None) -> dict:
    """The requested page of `rows`, each item passed through `row` when given."""
    start = (params.page - 1) * params.page_size
    items = list(rows[start : start + params.page_size])
    return {
        "count": rows.count(),
        "page": params.page,
        "page_size": params.page_size,
        "items": [row(item) for item in items] if row else items,
    }
