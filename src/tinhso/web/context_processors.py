"""Template context shared by every page.

`deployment_province` is read on every page, so it is cached for a few minutes, and the page still
renders (without the province's name) when the database or the cache is unreachable. Error pages
set `request.tinhso_minimal = True` and then never touch the database: the 500 page must render
while the database is down.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError

log = logging.getLogger(__name__)

PROVINCE_CACHE_SECONDS = 300
# A missing province (reference data not loaded yet) is remembered only briefly, so the header
# shows the name soon after the data is loaded.
PROVINCE_MISSING_CACHE_SECONDS = 30


@dataclass(frozen=True)
class Province:
    """What templates need of the deployment's province (a plain value, safe to cache)."""

    id: int
    code: str
    name: str

    def __str__(self) -> str:
        return self.name


def province_cache_key() -> str:
    return f"tinhso:web:deployment-province:v1:{settings.TINHSO_PROVINCE}"


def clear_province_cache() -> None:
    try:
        cache.delete(province_cache_key())
    except Exception:  # a cache outage must not break a save
        log.warning("could not clear the cached deployment province", exc_info=True)


def current_province(*, use_database: bool = True) -> Province | None:
    """The deployment's province, from the cache, else from the database when allowed.

    Never raises: the header is not worth an error page.
    """
    key = province_cache_key()
    try:
        cached = cache.get(key)
    except Exception:
        log.warning("cache unreachable while reading the deployment province", exc_info=True)
        cached = None
    if cached is not None:  # stored as a dict, or {} for "no such province"
        return Province(**cached) if cached else None
    if not use_database:
        return None

    from tinhso.core.selectors import deployment_province

    try:
        unit = deployment_province()
    except DatabaseError:
        log.warning("database unreachable while reading the deployment province", exc_info=True)
        return None
    province = Province(id=unit.pk, code=unit.code, name=unit.name) if unit else None
    try:
        if province:
            cache.set(
                key, {"id": province.id, "code": province.code, "name": province.name}, PROVINCE_CACHE_SECONDS
            )
        else:
            cache.set(key, {}, PROVINCE_MISSING_CACHE_SECONDS)
    except Exception:
        log.warning("cache unreachable while storing the deployment province", exc_info=True)
    return province


def _may_monitor(request):
    """Whether the header links to the monitoring centre: a callable, so the role query runs only when
    the template asks (for a signed-in official), never for citizens or anonymous visitors."""

    def check() -> bool:
        from tinhso.web.monitor.views import may_monitor

        return may_monitor(request.user)

    return check


def deployment(request):
    minimal = bool(getattr(request, "tinhso_minimal", False))
    return {
        "deployment_province": current_province(use_database=not minimal),
        "tinhso_minimal": minimal,
        "tinhso_debug": settings.DEBUG,
        "tinhso_may_monitor": _may_monitor(request),
    }
