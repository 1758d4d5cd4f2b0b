"""The pages' languages: every string in messages.toml (zh-CN and en), chosen per request.

The choice: the `docintel_lang` cookie the switch sets, else the browser's Accept-Language
(q-values honoured), else Chinese, which most clerks read.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES = ("zh-CN", "en")
DEFAULT_LANGUAGE = "zh-CN"
LANG_COOKIE = "docintel_lang"
_CATALOGUE_FILE = Path(__file__).with_name("messages.toml")


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """key → {"zh-CN": text, "en": text}; the file nests keys in tables (queue.title …)."""
    flat: dict[str, dict[str, str]] = {}

    def walk(prefix: str, table: dict[str, Any]) -> None:
        for name, value in table.items():
            key = f"{prefix}{name}"
            if isinstance(value, dict) and set(value) <= {"zh", "en"} and value:
                flat[key] = {"zh-CN": value.get("zh", ""), "en": value.get("en", "")}
            elif isinstance(value, dict):
                walk(f"{key}.", value)
            else:
                raise ValueError(f"messages.toml: {key} must be a {{ zh, en }} table")

    walk("", tomllib.loads(_CATALOGUE_FILE.read_text(encoding="utf-8")))
    return flat


def _language_of(tag: str) -> str | None:
    tag = tag.strip().lower()
    if tag.startswith("zh"):
        return "zh-CN"  # zh, zh-CN, zh-Hans; traditional-Chinese readers also get simplified, not English
    if tag.startswith("en"):
        return "en"
    return None


def negotiate(accept_language: str | None, cookie: str | None = None) -> str:
    if cookie in LANGUAGES:
        return cookie
    best: tuple[float, str] | None = None
    for part in (accept_language or "").split(","):
        tag, _, params = part.partition(";")
        language = _language_of(tag)
        if language is None:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        # Earlier entries win ties, as the header lists preferences in order.
        if quality > 0 and (best is None or quality > best[0]):
            best = (quality, language)
    return best[1] if best else DEFAULT_LANGUAGE


class Translator:
    """`t("queue.title")` or `t("queue.count", n=3)` in the request's language."""

    def __init__(self, language: str):
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE

    def __call__(self, key: str, **values: Any) -> str:
        entry = catalogue().get(key)
        if entry is None:
            return key  # visible on the page, and tests/test_web_units.py fails on it
        text = entry[self.language] or entry["en"]
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in catalogue()
