"""Admin of core's reference data."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from tinhso.core.models import AdministrativeUnit, Agency, UnitLineage
from tinhso.core.search import folded_search


class FoldedSearchMixin:
    """Admin search by folded name (accent- and case-insensitive) or by exact code."""

    search_fields = ("code",)  # shows the search box; the work is done below

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        by_code = queryset.filter(code=search_term.strip())
        return by_code | folded_search(queryset, search_term), False


# --- Administrative units: loaded from core/data/ (manage.py load_units), read-only here ---------


class _LineageInline(admin.TabularInline):
    model = UnitLineage
    extra = 0
    can_delete = False
    fields = ("predecessor", "successor", "kind", "effective_on", "source")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class SuccessorInline(_LineageInline):
    fk_name = "predecessor"
    verbose_name = verbose_name_plural = _("Đơn vị kế thừa")


class PredecessorInline(_LineageInline):
    fk_name = "successor"
    verbose_name = verbose_name_plural = _("Đơn vị tiền thân")


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(FoldedSearchMixin, admin.ModelAdmin):
    list_display = ("code", "name", "level", "division_type", "parent", "valid_from", "valid_to")
    list_filter = ("level", "valid_from", "valid_to")
    list_select_related = ("parent",)
    readonly_fields = ("code", "level", "name", "division_type", "parent", "valid_from", "valid_to")
    fields = readonly_fields
    inlines = (PredecessorInline, SuccessorInline)
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Agency)
class AgencyAdmin(FoldedSearchMixin, admin.ModelAdmin):
    list_display = ("code", "name", "kind", "unit", "parent", "valid_from", "valid_to")
    list_filter = ("kind", "works_saturday")
    list_select_related = ("unit", "parent")
    raw_id_fields = ("unit", "parent")  # 14,000 units: a select box would not do
    fields = (
        "code",
        "name",
        "short_name",
        "kind",
        "parent",
        "unit",
        "works_saturday",
        "valid_from",
        "valid_to",
    )

from tinhso.core import calendar_admin  # noqa: E402,F401  (registers the CalendarDay admin)
