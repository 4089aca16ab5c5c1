"""Template helpers for the account pages."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

register = template.Library()


@register.simple_tag
def retry_at(cooloff: dt.timedelta | None) -> dt.datetime | None:
    """When a locked-out login may be tried again: the lockout runs `cooloff` from the last failed
    attempt, which is this request."""
    if not cooloff:
        return None
    return timezone.localtime(timezone.now() + cooloff)


@register.filter
def minutes(value: dt.timedelta | None) -> int:
    if not value:
        return 0
    return max(1, round(value.total_seconds() / 60))
