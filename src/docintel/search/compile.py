"""A SearchQuery as a plan: requirements every hit must meet, each in weighted ways, plus filters.

Every word (or "quoted words") of the free text is a requirement: it must match some text field
(customer, products, numbers, vendor, the OCR text), as
- its jieba words, all in the field (and, for Chinese, its character pairs too, which keeps the
  characters together), weighted by the field's boost;
- (customer, products, text) its Chinese character pairs, all in the field: found when jieba cut
  the text differently, or for part of a word;
- (customer, products; unquoted Chinese of `fuzzy_from` characters or more) with one character
  misread: for some position, the pairs away from it and the skip pair over it;
- (text; unquoted Latin words of five letters or more) within one edit.
Quoting turns the last two off: "恒达五金" finds only what reads exactly so.
The customer and product filters are requirements on their field alone; doc type, status, flag,
order number, signature and dates are filters, which do not rank. A hit's score adds, per
requirement and field, the best weight it matched, so exact words beat character pairs beat a
misread character, and a customer-name match beats a mention in the text (evaluate.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from whoosh import query as Q

from docintel.match.numbers import confusable_key
from docintel.search.analysis import SKIP_MARK, han_runs, is_han, word_spans
from docintel.search.query import Clause, SearchQuery, split_text
from docintel.search.schema import GRAMS_SUFFIX, TEXT_FIELDS
from docintel.store.names import normalize_name

GRAMS_WEIGHT = 0.6
FUZZY_WEIGHT = 0.15
EXACT_CUSTOMER_WEIGHT = 4.0
# Free text tolerates a misread character from 3 characters on; filters, which exclude what they
# miss, from 4 (a 3-character name with one character free matches too many others).
FUZZY_FROM_TEXT = 3
FUZZY_FROM_FILTER = 4
LATIN_FUZZY_FROM = 5


@dataclass(frozen=True)
class Alternative:
    field: str  # the field it scores for
    weight: float
    query: Q.Query


@dataclass(frozen=True)
class Requirement:
    """Something every hit must match, in any of several ways that rank differently."""

    alternatives: tuple[Alternative, ...]


@dataclass(frozen=True)
class Plan:
    requirements: tuple[Requirement, ...]
    filters: tuple[Q.Query, ...]
    empty: tuple[str, ...]  # parameters that held nothing searchable (only punctuation)


def _all(field: str, terms: list[str]) -> Q.Query:
    return Q.Term(field, terms[0]) if len(terms) == 1 else Q.And([Q.Term(field, t) for t in terms])


def grams_exact(field: str, run: str) -> Q.Query:
    if len(run) == 1:  # a character is indexed alone only where it stands alone
        return Q.Or([Q.Term(field, run), Q.Prefix(field, run)])
    return _all(field, [run[i : i + 2] for i in range(len(run) - 1)])


def grams_one_misread(field: str, run: str) -> Q.Query:
    alternatives = []
    for hole in range(len(run)):
        terms = [run[j : j + 2] for j in range(len(run) - 1) if hole not in (j, j + 1)]
        if 0 < hole < len(run) - 1:
            terms.append(run[hole - 1] + SKIP_MARK + run[hole + 1])
        alternatives.append(_all(field, terms))
    return Q.Or(alternatives)


def _alternatives(field: str, clause: Clause, words: list[str], runs: list[str], fuzzy_from: int) -> list[Alternative]:
    grams_kind, boost = TEXT_FIELDS[field]
    fuzzy = not clause.quoted
    latin = [Q.Term(field, w) for w in words if not is_han(w)]
    if grams_kind and runs:
        grams = field + GRAMS_SUFFIX
        pairs = Q.And([grams_exact(grams, r) for r in runs] + latin)  # the characters together
        found = [Alternative(field, boost, Q.And([_all(field, words), pairs])), Alternative(field, boost * GRAMS_WEIGHT, pairs)]
        if fuzzy and grams_kind == "skips" and any(len(run) >= fuzzy_from for run in runs):
            loose = [grams_one_misread(grams, r) if len(r) >= fuzzy_from else grams_exact(grams, r) for r in runs]
            found.append(Alternative(field, boost * FUZZY_WEIGHT, Q.And(loose + latin)))
    else:
        found = [Alternative(field, boost, _all(field, words))]
    long_latin = [w for w in words if w.isascii() and w.isalpha() and len(w) >= LATIN_FUZZY_FROM]
    if fuzzy and field == "text" and long_latin:
        loose = [Q.FuzzyTerm(field, w, maxdist=1, prefixlength=1) if w in long_latin else Q.Term(field, w) for w in words]
        found.append(Alternative(field, boost * FUZZY_WEIGHT, _and(loose)))
    return found


def _and(parts: list[Q.Query]) -> Q.Query:
    return parts[0] if len(parts) == 1 else Q.And(parts)


def requirement(clause: Clause, fields: tuple[str, ...], fuzzy_from: int) -> Requirement | None:
    """`clause` in any of `fields`; None when it holds nothing searchable (punctuation)."""
    words = [word for word, _start, _end in word_spans(clause.text)]
    if not words:
        return None
    runs = han_runs(clause.text)
    return Requirement(tuple(alt for field in fields for alt in _alternatives(field, clause, words, runs, fuzzy_from)))


def _name(field: str, value: str) -> Requirement | None:
    """A customer or product filter: the whole value as one name, in its own field."""
    return requirement(Clause(" ".join(c.text for c in split_text(value)), quoted=False), (field,), FUZZY_FROM_FILTER)


def compile_query(query: SearchQuery) -> Plan:
    requirements: list[Requirement] = []
    filters: list[Q.Query] = []
    empty: list[str] = []
    for clause in split_text(query.text) if query.text else []:
        found = requirement(clause, tuple(TEXT_FIELDS), FUZZY_FROM_TEXT)
        requirements.append(found) if found else empty.append(f"text {clause.text!r}")
    if query.customer:
        found = _name("customer", query.customer)
        key = normalize_name(query.customer)
        if key:  # a facet value or the full name: that exact customer first
            exact = Alternative("customer_key", EXACT_CUSTOMER_WEIGHT, Q.Term("customer_key", key))
            found = Requirement((exact, *(found.alternatives if found else ())))
        requirements.append(found) if found else empty.append("customer")
    if query.product:
        found = _name("products", query.product)
        requirements.append(found) if found else empty.append("product")
    if query.order_no:
        key = confusable_key(query.order_no)
        filters.append(Q.Term("order_key", key)) if key else empty.append("order_no")
    for field, value in (("doc_type", query.doc_type), ("status", query.status), ("flags", query.flag)):
        if value:
            filters.append(Q.Term(field, value))
    if query.signed is not None:
        filters.append(Q.Term("signed", query.signed))
    if query.date_from or query.date_to:
        start = dt.datetime.combine(query.date_from, dt.time.min) if query.date_from else None
        end = dt.datetime.combine(query.date_to, dt.time.max) if query.date_to else None
        filters.append(Q.DateRange("date", start, end))
    return Plan(tuple(requirements), tuple(filters), tuple(empty))
