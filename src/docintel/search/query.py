"""The search request: free text plus filters, validated with readable messages and limits.

`SearchQuery` is what the CLI builds and GET /api/v1/search serves. Build it with
`SearchQuery.parse(...)` to get a DocintelError (INVALID_QUERY, QUERY_TOO_LONG) instead of a
pydantic ValidationError. Free text: words separated by spaces must all match (in any text field:
customer, products, numbers, vendor, the OCR text); unquoted Chinese words of three or more
characters also match with one character misread, and Latin words of five letters or more with one
letter wrong; "quoted words" match exactly (all their words in one field).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from docintel.errors import DocintelError, ErrorCode
from docintel.extract.records import DocType
from docintel.flags.codes import FlagCode
from docintel.settings import get_settings
from docintel.store.models import DocumentStatus

QUOTES = {'"': '"', "“": "”", "「": "」", "＂": "＂"}
_CLOSING = "”」"
_BARE = re.compile(r"[^\s\"“”「」＂]+")
_SPACE = re.compile(r"\s+")
_DATE_FORMS = (
    (re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"), "day"),
    (re.compile(r"(\d{4})[-/.年](\d{1,2})月?"), "month"),
    (re.compile(r"(\d{4})年?"), "year"),
)


@dataclass(frozen=True)
class Clause:
    """One unit of free text: a word (or run of words without spaces) or a quoted phrase."""

    text: str
    quoted: bool


def split_text(text: str) -> list[Clause]:
    """Words and quoted phrases of `text`; ValueError names an unbalanced quote."""
    clauses: list[Clause] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char in QUOTES:
            end = text.find(QUOTES[char], position + 1)
            if end < 0:
                raise ValueError(f"unbalanced quote: the {char} at position {position + 1} is never closed")
            phrase = _SPACE.sub(" ", text[position + 1 : end]).strip()
            if phrase:
                clauses.append(Clause(phrase, True))
            position = end + 1
        elif char in _CLOSING:
            raise ValueError(f"unbalanced quote: the {char} at position {position + 1} closes nothing")
        elif char.isspace():
            position += 1
        else:
            match = _BARE.match(text, position)
            assert match is not None
            clauses.append(Clause(match.group(), False))
            position = match.end()
    return clauses


def parse_date(value: str, end: bool) -> dt.date:
    """2024-03-15, 2024/3/15, 2024年3月15日; a month or a year means its first day (or last, for `end`)."""
    text = value.strip()
    for pattern, precision in _DATE_FORMS:
        match = pattern.fullmatch(text)
        if not match:
            continue
        parts = [int(p) for p in match.groups()]
        year, month, day = parts[0], parts[1] if len(parts) > 1 else (12 if end else 1), parts[2] if len(parts) > 2 else 0
        try:
            if precision != "day":
                day = calendar.monthrange(year, month)[1] if end else 1
            return dt.date(year, month, day)
        except (ValueError, calendar.IllegalMonthError):
            break
    raise ValueError(f"{value!r} is not a date (use YYYY-MM-DD, YYYY-MM or YYYY)")


class SearchQuery(BaseModel):
    """Free text and filters; all given filters must hold. Dates are inclusive."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    text: str = Field("", description="Words to find, all of them; \"quoted words\" without misread-character matching.")
    customer: str | None = Field(None, description="Customer name or part of it (一个错字 tolerated from 4 characters).")
    product: str | None = Field(None, description="Product name or spec, or part of it.")
    date_from: dt.date | None = Field(None, description="Documents dated on or after (YYYY-MM-DD, YYYY-MM, YYYY).")
    date_to: dt.date | None = Field(None, description="Documents dated on or before (a month or year means its end).")
    doc_type: str | None = Field(None, description="signoff_receipt, sales_slip, invoice, monthly_statement, other.")
    flag: str | None = Field(None, description="Only documents with this open flag, e.g. QTY_MISMATCH.")
    status: str | None = Field(None, description="Document status, e.g. needs_review.")
    order_no: str | None = Field(None, description="Printed order number (O/0, I/1 look-alikes folded).")
    signed: bool | None = Field(None, description="Only signed (true) or unsigned (false) documents.")
    page: int = Field(1, ge=1)
    page_size: int = Field(20, ge=1)
    sort: Literal["relevance", "date"] = "relevance"

    @field_validator("date_from", "date_to", mode="before")
    @classmethod
    def _dates(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str):
            if not value.strip():
                return None
            return parse_date(value, end=info.field_name == "date_to")
        return value

    @field_validator("customer", "product", "doc_type", "flag", "status", "order_no", mode="after")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("doc_type", "flag", "status", mode="after")
    @classmethod
    def _known_value(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        known = {"doc_type": get_args(DocType), "flag": [c.value for c in FlagCode], "status": [s.value for s in DocumentStatus]}
        choices = known[info.field_name]
        folded = value.upper() if info.field_name == "flag" else value.lower()
        if folded not in choices:
            raise ValueError(f"{value!r} is not one of: {', '.join(choices)}")
        return folded

    @field_validator("text", "customer", "product", mode="after")
    @classmethod
    def _limits(cls, value: str | None) -> str | None:
        if value is None:
            return None
        settings = get_settings()
        if len(value) > settings.search_max_query_chars:
            raise PydanticCustomError(
                "query_too_long", "{length} characters; the limit is {limit}",
                {"length": len(value), "limit": settings.search_max_query_chars},
            )
        try:
            clauses = split_text(value)
        except ValueError as error:
            raise PydanticCustomError("invalid_query", str(error)) from None
        if len(clauses) > settings.search_max_terms:
            raise PydanticCustomError(
                "query_too_long", "{count} words; the limit is {limit}",
                {"count": len(clauses), "limit": settings.search_max_terms},
            )
        return value

    @field_validator("page_size", mode="after")
    @classmethod
    def _page_size(cls, value: int) -> int:
        limit = get_settings().search_max_page_size
        if value > limit:
            raise PydanticCustomError("query_too_long", "{size}; the limit is {limit}", {"size": value, "limit": limit})
        return value

    @model_validator(mode="after")
    def _date_order(self) -> SearchQuery:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(f"date_from {self.date_from} is after date_to {self.date_to}")
        return self

    @classmethod
    def parse(cls, **params: Any) -> SearchQuery:
        """Validate `params`; DocintelError INVALID_QUERY or QUERY_TOO_LONG with a readable message."""
        try:
            return cls(**params)
        except ValidationError as error:
            raise query_error(error) from None

    @property
    def has_scoring_terms(self) -> bool:
        return bool(self.text or self.customer or self.product)


def query_error(error: ValidationError) -> DocintelError:
    """A SearchQuery validation failure as a DocintelError, each problem named by its field."""
    problems, code = [], ErrorCode.INVALID_QUERY
    for item in error.errors(include_url=False):
        if item["type"] == "query_too_long":
            code = ErrorCode.QUERY_TOO_LONG
        where = ".".join(str(part) for part in item["loc"]) or "query"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "not a search parameter"
        problems.append(f"{where}: {message}" if item["loc"] else message)
    return DocintelError(code, "; ".join(problems))
