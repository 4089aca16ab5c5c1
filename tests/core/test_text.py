"""Folding Vietnamese for search: one definition (core.text.fold), the same on both databases."""

from __future__ import annotations

import unicodedata

import pytest
from django.db import connection

from tinhso.core.models import AdministrativeUnit
from tinhso.core.search import search_terms
from tinhso.core.text import fold

VOWELS = "aăâeêioôơuưy"
TONES = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]  # ngang, huyền, sắc, hỏi, ngã, nặng


def every_vietnamese_letter() -> list[str]:
    """Each vowel with each tone (composed, as typed), both cases, and đ/Đ."""
    letters = [unicodedata.normalize("NFC", v + t) for v in VOWELS for t in TONES]
    return letters + [c.upper() for c in letters] + ["đ", "Đ"]


def test_a_procedure_name_folds_to_plain_letters():
    assert fold("Đăng ký khai sinh") == "dang ky khai sinh"


def test_case_and_marks_do_not_matter():
    assert fold("BẾN TRE") == fold("Bến Tre") == fold("ben tre") == "ben tre"


def test_decomposed_input_folds_like_composed():
    # A phone keyboard may send "ế" as e + circumflex + acute.
    assert fold(unicodedata.normalize("NFD", "Phường Phú Khương")) == fold("Phường Phú Khương")


def test_spaces_are_collapsed_and_trimmed():
    assert fold("  Xã   Tân\tHòa \n") == "xa tan hoa"


def test_empty_and_none_fold_to_empty():
    assert fold(None) == "" and fold("") == "" and fold("   ") == ""


@pytest.mark.parametrize("letter", every_vietnamese_letter())
def test_every_vietnamese_letter_folds_to_an_ascii_letter(letter):
    folded = fold(letter)
    assert len(folded) == 1 and folded.isascii() and folded.islower()


def test_query_words_are_folded_and_deduplicated():
    assert search_terms("  Bến  TRE bến ") == ["ben", "tre"]
    assert search_terms("") == [] and search_terms(None) == []


@pytest.mark.django_db
def test_every_unit_name_was_stored_folded():
    for name, folded in AdministrativeUnit.objects.values_list("name", "name_folded").iterator():
        assert folded == fold(name), name


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="tinhso_unaccent exists on PostgreSQL only")
def test_postgres_unaccent_wrapper_agrees_with_fold():
    """lower(tinhso_unaccent(x)) is for ad-hoc SQL and expression indexes; it must mean what fold() means."""
    samples = every_vietnamese_letter() + list(AdministrativeUnit.objects.values_list("name", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT s, lower(tinhso_unaccent(s)) FROM unnest(%s::text[]) AS s", [samples])
        disagreements = [(s, sql) for s, sql in cursor.fetchall() if sql != fold(s)]
    assert len(samples) > 14_000
    assert disagreements == []


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_postgres_wrapper_is_immutable_so_it_can_be_indexed():
    with connection.cursor() as cursor:
        cursor.execute("SELECT provolatile FROM pg_proc WHERE proname = 'tinhso_unaccent'")
        assert cursor.fetchone() == ("i",)
