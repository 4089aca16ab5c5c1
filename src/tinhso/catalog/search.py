"""The folded-name search index of procedures (see core/search.py)."""

from tinhso.core.search import search_index_register

PROCEDURE_INDEX = search_index_register(
    db_table="catalog_procedure", column="name_folded", name="catalog_procedure_name"
)
