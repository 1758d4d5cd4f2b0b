"""The matching vocabularies and thresholds, read once from vocab.toml beside this module."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path


@dataclass(frozen=True, slots=True)
class MatchConfig:
    confusables: dict[str, str]
    suffixes: tuple[str, ...]
    latin_suffixes: frozenset[str]
    cities: tuple[str, ...]
    district_markers: tuple[str, ...]
    same_customer: float
    abbreviation_score: float
    ocr_customer_score: float
    customer_doubted_below: float
    product_weight: float
    spec_weight: float
    pair_threshold: float
    unique_quantity_name_ratio: float
    quantity_rel_tolerance: float
    price_abs_tolerance: float
    price_rel_tolerance: float
    window_days: int
    method_evidence: dict[str, float]
    near_number_evidence: float
    identifier_weights: dict[str, float]
    customer_weights: dict[str, float]
    min_customer_items_score: float
    min_items_score: float
    items_led_min_hits: float
    items_led_min_items_score: float
    goods_alone_min_lines: int
    goods_alone_min_hits: int
    ambiguity_margin: float


@cache
def match_config() -> MatchConfig:
    data = tomllib.loads((Path(__file__).with_name("vocab.toml")).read_text(encoding="utf-8"))
    c, i, s = data["customers"], data["items"], data["scoring"]
    return MatchConfig(
        confusables=dict(data["order_numbers"]["confusables"]),
        # Longest first, so 有限责任公司 is removed whole rather than leaving 有限责任.
        suffixes=tuple(sorted(c["suffixes"], key=len, reverse=True)),
        latin_suffixes=frozenset(c["latin_suffixes"]),
        cities=tuple(sorted(c["cities"], key=len, reverse=True)),
        district_markers=tuple(c["district_markers"]),
        same_customer=float(c["same_customer"]),
        abbreviation_score=float(c["abbreviation_score"]),
        ocr_customer_score=float(c["ocr_customer_score"]),
        customer_doubted_below=float(c["doubted_below"]),
        product_weight=float(i["product_weight"]),
        spec_weight=float(i["spec_weight"]),
        pair_threshold=float(i["pair_threshold"]),
        unique_quantity_name_ratio=float(i["unique_quantity_name_ratio"]),
        quantity_rel_tolerance=float(i["quantity_rel_tolerance"]),
        price_abs_tolerance=float(i["price_abs_tolerance"]),
        price_rel_tolerance=float(i["price_rel_tolerance"]),
        window_days=int(data["dates"]["window_days"]),
        method_evidence=dict(s["method_evidence"]),
        near_number_evidence=float(s["near_number_evidence"]),
        identifier_weights=dict(s["identifier_weights"]),
        customer_weights=dict(s["customer_weights"]),
        min_customer_items_score=float(s["min_customer_items_score"]),
        min_items_score=float(s["min_items_score"]),
        items_led_min_hits=float(s["items_led_min_hits"]),
        items_led_min_items_score=float(s["items_led_min_items_score"]),
        goods_alone_min_lines=int(s["goods_alone_min_lines"]),
        goods_alone_min_hits=int(s["goods_alone_min_hits"]),
        ambiguity_margin=float(s["ambiguity_margin"]),
    )
