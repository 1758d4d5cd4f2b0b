"""The flag vocabulary (codes.toml) as a StrEnum with severities and zh/en message templates."""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]

_DATA = tomllib.loads(Path(__file__).with_name("codes.toml").read_text(encoding="utf-8"))
_RULES = _DATA.pop("rules")

FlagCode = StrEnum("FlagCode", {code: code for code in _DATA})  # type: ignore[misc]
"""NO_MATCH, AMBIGUOUS_MATCH, CUSTOMER_MISMATCH, … exactly the sections of codes.toml."""


@dataclass(frozen=True, slots=True)
class FlagSpec:
    code: str
    severity: Severity
    zh: str
    en: str
    # Fields a message may leave out, and what stands in their place then (codes.toml `optional`).
    optional: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class FlagRules:
    matched_doc_types: frozenset[str]
    receipt_doc_types: frozenset[str]
    matched_when_referenced: frozenset[str]
    days_after_order: int
    days_before_order: int
    date_before_order_read_clearly: float
    date_corroborated_days: int
    customer_mismatch_by_goods_read_clearly: float
    vat_rates: tuple[float, ...]
    total_abs_tolerance: float
    total_mismatch_read_clearly: float
    depends_on: dict[str, tuple[str, ...]]
    always: tuple[str, ...]


@cache
def flag_spec(code: str) -> FlagSpec:
    entry = _DATA[str(code)]
    return FlagSpec(str(code), entry["severity"], entry["zh"], entry["en"], tuple(entry.get("optional", {}).items()))


@cache
def flag_rules() -> FlagRules:
    return FlagRules(
        matched_doc_types=frozenset(_RULES["matched_doc_types"]),
        receipt_doc_types=frozenset(_RULES["receipt_doc_types"]),
        matched_when_referenced=frozenset(_RULES["matched_when_referenced"]),
        days_after_order=int(_RULES["days_after_order"]),
        days_before_order=int(_RULES["days_before_order"]),
        date_before_order_read_clearly=float(_RULES["date_before_order_read_clearly"]),
        date_corroborated_days=int(_RULES["date_corroborated_days"]),
        customer_mismatch_by_goods_read_clearly=float(_RULES["customer_mismatch_by_goods_read_clearly"]),
        vat_rates=tuple(float(r) for r in _RULES["vat_rates"]),
        total_abs_tolerance=float(_RULES["total_abs_tolerance"]),
        total_mismatch_read_clearly=float(_RULES["total_mismatch_read_clearly"]),
        depends_on={k: tuple(v) for k, v in _RULES["depends_on"].items()},
        always=tuple(_RULES["always"]),
    )


class _Lenient(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def render(template: str, details: dict[str, Any]) -> str:
    values = _Lenient({k: ("、".join(map(str, v)) if isinstance(v, list) else v) for k, v in details.items()})
    return string.Formatter().vformat(template, (), values)
