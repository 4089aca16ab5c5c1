"""Admin of the procedure catalogue: read-mostly.

The catalogue is written through catalog.services (validated, versioned, audited): by the import
(`load_catalog --import`, POST /api/v1/catalog/import) and by the services. Here an officer of the
IT team can look at everything and publish a draft; a published or retired version, and a
published workflow, is read-only; nothing is added or deleted from the admin.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from tinhso.catalog import services
from tinhso.catalog.models import (
    Field,
    Procedure,
    ProcedureAssignment,
    ProcedureVersion,
    VersionStatus,
    WorkflowDefinition,
)
from tinhso.core.search import folded_search


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Field)
class FieldAdmin(_ReadOnly):
    list_display = ("code", "name")
    search_fields = ("code", "name")


class AssignmentInline(admin.TabularInline):
    model = ProcedureAssignment
    extra = 0
    fields = ("agency",)
    readonly_fields = ("agency",)
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


class VersionInline(admin.TabularInline):
    model = ProcedureVersion
    extra = 0
    fields = ("number", "status", "processing_amount", "processing_unit", "service_level", "workflow",
              "published_at")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Procedure)
class ProcedureAdmin(_ReadOnly):
    list_display = ("code", "name", "field", "current_version", "is_active")
    list_filter = ("field", "is_active")
    list_select_related = ("field", "current_version__procedure")
    search_fields = ("code",)
    readonly_fields = ("code", "name", "field", "current_version", "is_active", "updated_at")
    fields = readonly_fields
    inlines = (VersionInline, AssignmentInline)

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return queryset.filter(code=search_term.strip()) | folded_search(queryset, search_term), False


@admin.action(description=_("Công bố các bản nháp đã chọn"))
def publish_versions(modeladmin, request, queryset):
    published = 0
    for version in queryset.filter(status=VersionStatus.DRAFT).order_by("number"):
        try:
            services.procedure_version_publish(actor=request.user, version_id=version.pk)
            published += 1
        except services.CatalogInvalid as error:
            for problem in error.problems:
                modeladmin.message_user(request, f"{version}: {problem['message']}", messages.ERROR)
    if published:
        modeladmin.message_user(request, _("Đã công bố %(n)d phiên bản.") % {"n": published}, messages.SUCCESS)


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(_ReadOnly):
    list_display = ("procedure", "number", "status", "processing_amount", "processing_unit", "service_level",
                    "workflow", "published_at")
    list_filter = ("status", "service_level", "processing_unit", "procedure__field")
    list_select_related = ("procedure", "workflow")
    search_fields = ("procedure__code",)
    actions = (publish_versions,)
    readonly_fields = tuple(f.name for f in ProcedureVersion._meta.fields)


@admin.action(description=_("Công bố các quy trình đã chọn"))
def publish_workflows(modeladmin, request, queryset):
    for workflow in queryset.filter(status=VersionStatus.DRAFT):
        try:
            services.workflow_definition_publish(actor=request.user, definition_id=workflow.pk)
        except (services.CatalogInvalid, services.DefinitionInvalid) as error:
            for problem in error.problems:
                modeladmin.message_user(request, f"{workflow}: {problem['message']}", messages.ERROR)


@admin.register(WorkflowDefinition)
class WorkflowDefinitionAdmin(_ReadOnly):
    list_display = ("code", "version", "name", "status", "published_at")
    list_filter = ("status",)
    search_fields = ("code", "name")
    actions = (publish_workflows,)
    readonly_fields = ("code", "version", "name", "status", "definition", "created_at", "published_at")
