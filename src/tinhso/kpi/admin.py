"""Read-mostly admin: the registry and plans come from data files (load_kpi), values from the
engine and the reporting services; the admin is for looking, not for bypassing those."""

from django.contrib import admin

from tinhso.kpi.models import Indicator, Measurement, Plan, ReportedValue, Target


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Indicator)
class IndicatorAdmin(_ReadOnly):
    list_display = ("code", "version", "name", "pillar", "formula_kind", "max_points", "source")
    list_filter = ("pillar", "version", "source", "formula_kind")
    search_fields = ("code", "name", "name_en")


class TargetInline(admin.TabularInline):
    model = Target
    fields = ("key", "indicator", "scope_level", "year", "comparator", "value", "source_file", "source_line")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Plan)
class PlanAdmin(_ReadOnly):
    list_display = ("code", "title", "province", "start_year", "end_year", "vision_year", "is_published")
    inlines = [TargetInline]


@admin.register(ReportedValue)
class ReportedValueAdmin(_ReadOnly):
    list_display = ("indicator", "unit", "period", "value", "status", "entered_by", "entered_at")
    list_filter = ("status", "period_kind")


@admin.register(Measurement)
class MeasurementAdmin(_ReadOnly):
    list_display = ("indicator", "scope_level", "unit", "period", "value", "points", "computed_at")
    list_filter = ("scope_level", "period_kind")
    raw_id_fields = ("unit", "agency", "procedure")
