"""Parsing values that OCR read off Chinese/English business forms.

One import point for the field-extraction stage; the work is split by kind of
value into the values_* modules, and every vocabulary lives in values_vocab.
"""

from __future__ import annotations

from docintel.extract.values_chinese import parse_chinese_amount
from docintel.extract.values_dates import marks_written_over, parse_date, parse_month_day
from docintel.extract.values_numbers import close_number_gaps, number_from_token, number_text, parse_amount, parse_quantity
from docintel.extract.values_reconcile import (
    ReconciledItem,
    amounts_consistent,
    ocr_variants,
    reconcile_item,
)
from docintel.extract.values_text import digits_dropped_from, fold_width, normalize_spaces, repair_digits

__all__ = [
    "ReconciledItem",
    "amounts_consistent",
    "close_number_gaps",
    "digits_dropped_from",
    "fold_width",
    "normalize_spaces",
    "number_from_token",
    "number_text",
    "ocr_variants",
    "parse_amount",
    "marks_written_over",
    "parse_chinese_amount",
    "parse_date",
    "parse_month_day",
    "parse_quantity",
    "reconcile_item",
    "repair_digits",
]
