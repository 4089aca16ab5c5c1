"""The folded applicant-name search index of dossiers (see core/search.py)."""

from tinhso.core.search import search_index_register

APPLICANT_INDEX = search_index_register(
    db_table="dossiers_dossier", column="applicant_name_folded", name="dossiers_applicant_name"
)
