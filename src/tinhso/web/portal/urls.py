"""URLs of the citizen portal, under /dich-vu-cong/ (namespace "portal")."""

from django.urls import path

from tinhso.web.portal import filing, mine, views

app_name = "portal"
urlpatterns = [
    # Find a procedure (public; on even when filing is off).
    path("", views.search, name="search"),
    path("thu-tuc/<str:code>/", views.procedure_detail, name="procedure"),
    # Filing (TINHSO_PORTAL_FILING).
    path("thu-tuc/<str:code>/nop-truc-tuyen/", filing.start, name="start"),
    path("ho-so-nhap/<uuid:draft_id>/", filing.draft_tasks, name="draft"),
    path("ho-so-nhap/<uuid:draft_id>/nguoi-nop/", filing.draft_applicant, name="draft_applicant"),
    path("ho-so-nhap/<uuid:draft_id>/noi-giai-quyet/", filing.draft_agency, name="draft_agency"),
    path("ho-so-nhap/<uuid:draft_id>/to-khai/<int:number>/", filing.draft_page, name="draft_page"),
    path("ho-so-nhap/<uuid:draft_id>/giay-to/", filing.draft_files, name="draft_files"),
    path("ho-so-nhap/<uuid:draft_id>/le-phi/", filing.draft_fee, name="draft_fee"),
    path("ho-so-nhap/<uuid:draft_id>/kiem-tra/", filing.draft_check, name="draft_check"),
    path("ho-so-nhap/<uuid:draft_id>/xoa/", filing.draft_delete, name="draft_delete"),
    # The citizen's dossiers, results and data store (on even when filing is off).
    path("ho-so/", mine.my_dossiers, name="my_dossiers"),
    path("ho-so/<str:code>/", mine.dossier_detail, name="dossier"),
    path("ho-so/<str:code>/da-nop/", mine.receipt, name="receipt"),
    path("ho-so/<str:code>/tep/<int:attachment_id>/", mine.attachment_download, name="attachment"),
    path("ho-so/<str:code>/bo-sung/", mine.supplement, name="supplement"),
    path("ho-so/<str:code>/rut-ho-so/", mine.withdraw, name="withdraw"),
    path("kho-du-lieu/", mine.store, name="store"),
    path("kho-du-lieu/thong-tin/", mine.store_facts, name="store_facts"),
    path("kho-du-lieu/giay-to/", mine.store_document_add, name="store_document_add"),
    path("kho-du-lieu/giay-to/<int:document_id>/", mine.store_document_download, name="store_document"),
    path("kho-du-lieu/giay-to/<int:document_id>/xoa/", mine.store_document_delete, name="store_document_delete"),
]
