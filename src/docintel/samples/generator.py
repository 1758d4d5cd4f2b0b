"""Generate realistic scans of business forms with exact ground truth and an order book.

``generate_samples`` works in three passes:

1. plan: per document its class, layout, capture, colour mode, rotation, paper, file format,
   chosen so that a set of ~28 documents already covers every class, layout, paper colour,
   capture type and output format;
2. content: companies, lines, numbers, the order book and the planted mismatches
   (sequential, because duplicates refer to earlier receipts);
3. render: pages, signature / driver's name / seal, capture degradations, and files.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from docintel.extract.records import LineItem

from .capture import CaptureSpec, capture
from .content import (
    DATE_STYLES,
    PEOPLE_EN_SIG,
    PRODUCTS,
    VENDORS,
    Company,
    doc_number,
    fmt_date,
    line_amount,
    look_alike,
    make_customers,
    money,
    order_number,
    person,
)
from .layouts import LAYOUTS, TITLES, Doc, Line, Page, render
from .render import Box, paste_mask, seal_mask, signature_mask
from .truth import ExpectedFlag, GroundTruth

DOC_TYPES = ("signoff_receipt", "sales_slip", "monthly_statement", "invoice", "other")
CLASS_WEIGHTS = {"signoff_receipt": 0.42, "sales_slip": 0.25, "monthly_statement": 0.08, "invoice": 0.10, "other": 0.15}
FORM_LAYOUT_WEIGHTS = {"erp_a4_grid": 0.24, "erp_a5_lines": 0.2, "carbonless_dotmatrix": 0.26, "handbook": 0.1, "tw_receipt": 0.1, "en_delivery_note": 0.1}
OTHER_LAYOUT_WEIGHTS = {"other_letter": 0.25, "other_notice": 0.25, "other_menu": 0.15, "other_blank": 0.2, "other_whiteboard": 0.15}
CAPTURES = ("flatbed", "sheet_feeder", "phone")
COLORS = ("color", "gray", "bw")
PAPER_COLOURS = ("white", "pink", "yellow", "blue", "green")
BOOK_FLAGS = ("NO_MATCH", "QTY_MISMATCH", "PRICE_MISMATCH", "ITEM_MISSING", "ITEM_UNEXPECTED", "CUSTOMER_MISMATCH", "DUPLICATE_RECEIPT", "DATE_OUT_OF_RANGE")
DATE_WINDOW_DAYS = 60  # DATE_OUT_OF_RANGE: receipt more than this many days after the order
PDF_EPOCH = time.gmtime(1704067200)  # 2024-01-01: fixed PDF dates keep bytes deterministic
# The layers inked onto every page, in order, before the signature and the seal.
_INK_LAYERS = ("pre", "red", "data", "hand", "drv")
# A signature a black-and-white scan kept less of than this share of is not on the stored page.
SIGNATURE_SEEN_MIN = 0.2


@dataclass
class Plan:
    index: int
    doc_type: str
    layout: str
    capture: str = "flatbed"
    color: str = "color"
    rotation: int = 0
    paper: str = "white"
    fmt: str = "jpg"
    dpi: int = 200
    pages_hint: int = 1  # statements: force 2 pages
    flag: str | None = None  # planted order-book flag
    seal: bool | None = None
    signed: bool | None = None
    jpeg_quality: int = 75
    extra: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------
# Pass 1: plan
# ---------------------------------------------------------------------------


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, [weights[k] for k in keys])[0]


def _layouts_for(doc_type: str) -> dict[str, float]:
    if doc_type in ("signoff_receipt", "sales_slip"):
        return {k: v for k, v in FORM_LAYOUT_WEIGHTS.items() if doc_type in LAYOUTS[k][0]}
    if doc_type == "other":
        return OTHER_LAYOUT_WEIGHTS
    if doc_type == "invoice":
        return {"invoice_cn": 0.65, "invoice_en": 0.35}
    return {"statement": 1.0}


def plan_set(count: int, seed: int, kinds: Sequence[str] | None = None) -> list[Plan]:
    rng = random.Random(f"plan:{seed}:{count}")
    kinds = tuple(kinds) if kinds else DOC_TYPES
    for k in kinds:
        if k not in DOC_TYPES:
            raise ValueError(f"unknown document kind {k!r}; expected one of {DOC_TYPES}")
    weights = {k: CLASS_WEIGHTS[k] for k in kinds}
    # every layout of the allowed kinds once (if there is room), then weighted draws
    required: list[tuple[str, str]] = []
    for lay, (types, _lang) in LAYOUTS.items():
        ok = [t for t in types if t in kinds]
        if ok:
            t = "signoff_receipt" if "signoff_receipt" in ok and rng.random() < 0.6 else rng.choice(ok)
            required.append((t, lay))
    rng.shuffle(required)
    if "monthly_statement" in kinds and count >= 12:
        required.append(("monthly_statement", "statement"))  # a second statement: TIFF and PDF both get one
    pairs = required[:count]
    while len(pairs) < count:
        t = _weighted(rng, weights)
        pairs.append((t, _weighted(rng, _layouts_for(t))))
    # sign-off receipts and slips dominate: keep the required ones spread, not bunched at the front
    rng.shuffle(pairs)
    plans = [Plan(i, t, lay) for i, (t, lay) in enumerate(pairs)]
    for p in plans:
        p.capture = rng.choices(CAPTURES, [0.45, 0.35, 0.20])[0]
        p.color = rng.choices(COLORS, [0.76, 0.13, 0.11])[0]
        p.rotation = rng.choices([0, 90, 180, 270], [0.86, 0.05, 0.05, 0.04])[0]
        p.dpi = rng.choice([150, 150, 200, 200, 200, 240, 300])
        p.jpeg_quality = rng.randint(60, 85)
        if p.layout == "carbonless_dotmatrix":
            p.paper = rng.choice(["yellow", "pink", "blue", "green", "white"])
        elif p.layout == "handbook":
            p.paper = rng.choice(["pink", "yellow", "white", "white"])
        elif p.layout in ("erp_a5_lines", "tw_receipt", "erp_a4_grid"):
            p.paper = rng.choice(["white"] * 6 + ["pink", "yellow", "blue", "green"])
        if p.layout == "other_whiteboard":
            p.capture, p.color, p.rotation = "phone", "color", 0
    # formats: multi-page statements go to TIFF (bw, Group 4) and PDF; one PNG; the rest JPEG
    stmts = [p for p in plans if p.layout == "statement"]
    for j, p in enumerate(stmts):
        if j < 2:
            p.pages_hint = 2
            p.fmt = "tiff" if j == 0 else "pdf"
            p.rotation = 0
            if j == 0:
                p.color, p.capture = "bw", rng.choice(["flatbed", "sheet_feeder"])
        else:
            p.pages_hint = rng.choice([1, 2])
            p.fmt = rng.choice(["pdf", "tiff"]) if p.pages_hint == 2 else "jpg"
    if count >= 3 and not any(p.fmt == "pdf" for p in plans):
        cands = [p for p in plans if p.doc_type == "invoice"] or [p for p in plans if p.fmt == "jpg" and p.layout != "other_whiteboard"]
        if cands:
            rng.choice(cands).fmt = "pdf"
    singles = [p for p in plans if p.fmt == "jpg"]
    if singles and count >= 3:
        png = rng.choice([p for p in singles if p.layout != "other_whiteboard"] or singles)
        png.fmt = "png"
        if png.layout != "other_whiteboard":  # a bilevel PNG, as many office scanners write them
            png.color, png.capture = "bw", rng.choice(["flatbed", "sheet_feeder"])
    for p in plans:
        if p.fmt == "jpg" and count > 40 and rng.random() < 0.04:
            p.fmt = rng.choice(["png", "pdf"])
        if p.fmt == "tiff" and p.color == "color":
            p.color = "gray"
        if p.color == "bw" and p.capture == "phone":
            p.color = "gray"
    # coverage: every capture, colour mode, a turned page of each angle, every paper colour
    movable = [p for p in plans if p.layout != "other_whiteboard" and p.fmt == "jpg"]

    def ensure(attr: str, value, eligible: Callable[[Plan], bool]) -> None:
        if any(getattr(p, attr) == value for p in plans):
            return
        cands = [p for p in movable if eligible(p) and not p.extra.get(f"fixed_{attr}")]
        if cands:
            c = rng.choice(cands)
            setattr(c, attr, value)
            c.extra[f"fixed_{attr}"] = True

    for cap in CAPTURES:
        ensure("capture", cap, lambda p, cap=cap: not (cap == "phone" and p.color == "bw"))
    for col in COLORS:
        ensure("color", col, lambda p: p.capture != "phone")
    if count >= 10:
        for rot in (90, 180, 270):
            ensure("rotation", rot, lambda p: p.rotation == 0)
    paper_ok = ("carbonless_dotmatrix", "handbook", "erp_a5_lines", "tw_receipt", "erp_a4_grid")
    for paper in PAPER_COLOURS:
        ensure("paper", paper, lambda p: p.layout in paper_ok)
    # planted order-book mismatches (a minority), cycling through the codes so larger sets see all
    codes = list(BOOK_FLAGS)
    rng.shuffle(codes)
    forms = [p for p in plans if p.doc_type in ("signoff_receipt", "sales_slip")]
    n_flags = max(1 if len(forms) >= 4 else 0, round(len(forms) * 0.22))
    for j, p in enumerate(rng.sample(forms, min(n_flags, len(forms)))):
        p.flag = codes[j % len(codes)]
    # ~28 % of sign-off receipts come back unsigned (some with only the driver's name)
    receipts = [p for p in plans if p.doc_type == "signoff_receipt" and p.flag != "DUPLICATE_RECEIPT"]
    unsigned = set(id(p) for p in rng.sample(receipts, round(len(receipts) * 0.28)))
    for p in receipts:
        p.signed = id(p) not in unsigned
    return plans


# ---------------------------------------------------------------------------
# Pass 2: content
# ---------------------------------------------------------------------------


@dataclass
class Built:
    plan: Plan
    doc: Doc
    truth: GroundTruth
    signed: bool
    signature_style: str
    signer: str
    driver_only: bool
    driver_name: str | None
    carbon_signature: bool
    seal: dict | None
    book_order: str | None


def _lines(rng: random.Random, lang: str, n: int, prices: bool, exclude: set[str] = frozenset()) -> list[Line]:
    pool = [p for p in PRODUCTS if (p.zh, p.spec) not in exclude]
    prods = rng.sample(pool, n)
    out = []
    for p in prods:
        if p.decimal_qty:
            q = round(rng.uniform(*p.qty), rng.choice([1, 2]))
            if p.unit == "吨":
                q = round(rng.uniform(*p.qty), 3)
        else:
            lo, hi = int(p.qty[0]), int(p.qty[1])
            q = rng.randint(lo, hi)
            if q > 50:
                q = int(round(q, -1))
        price = float(money(rng.uniform(*p.price)))
        if price > 100 and rng.random() < 0.6:
            price = float(round(price))
        spec = p.spec
        if lang == "zh-Hant":
            spec = spec.replace("镀锌", "鍍鋅").replace("尼龙涂胶", "尼龍塗膠").replace("双", "雙").replace("寸", "吋").replace("回路", "迴路").replace("件套", "件組").replace("型", "型")
        elif lang == "en":
            spec = spec.replace("镀锌", "galv.").replace("尼龙涂胶 12双/包", "nylon coated 12 pairs").replace("寸", "in").replace("回路", "-way").replace("件套", "-pc").replace("型", "").replace("5L×4桶", "5L×4").replace("25kg/袋", "25kg bag").replace("JS 20kg/桶", "JS 20kg pail").replace("86", "86 type")
        out.append(Line(p.name(lang), spec, p.unit_in(lang), float(q), price if prices else None, line_amount(q, price) if prices else None, code=p.code))
        out[-1].extra_price = price  # type: ignore[attr-defined]
    return out


def _total(lines: list[Line]) -> float:
    return float(sum(money(ln.amount or 0) for ln in lines))


class World:
    def __init__(self, seed: int):
        rng = random.Random(f"world:{seed}")
        self.customers = make_customers(rng)
        self.used_doc_nos: set[str] = set()
        self.used_order_nos: set[str] = set()

    def unique(self, make: Callable[[], str], used: set[str]) -> str:
        for _ in range(100):
            s = make()
            if s not in used:
                used.add(s)
                return s
        raise RuntimeError("could not find a unique number")


def build_all(plans: list[Plan], seed: int, with_orders: bool) -> tuple[list[Built], list[dict]]:
    world = World(seed)
    book: list[dict] = []
    built: list[Built] = []
    for plan in plans:
        rng = random.Random(f"doc:{seed}:{plan.index}")
        built.append(_build_one(plan, rng, world, book, built, with_orders))
    if with_orders:
        # unrelated orders, some for look-alike customers, so the book is not a 1:1 copy of the set
        rng = random.Random(f"book:{seed}")
        # Their vendors come from a generator of their own: a draw from `rng` would change every
        # later order of the book (and the sets generated before the book had a vendor column).
        vendor_rng = random.Random(f"book-vendor:{seed}")
        for _ in range(max(2, len(plans) // 4)):
            lang = rng.choice(["zh-Hans", "zh-Hans", "zh-Hant", "en"])
            cust = rng.choice(world.customers[lang])
            vendor = vendor_rng.choice(VENDORS[lang])
            d0 = dt.date(2024, 1, 5) + dt.timedelta(days=rng.randint(0, 320))
            ono = world.unique(lambda: order_number(rng, d0), world.used_order_nos)
            for ln in _lines(rng, lang, rng.randint(2, 6), True):
                book.append(_book_row(ono, cust.short if rng.random() < 0.6 else cust.name, vendor, d0, ln, ln.extra_price))  # type: ignore[attr-defined]
        book.sort(key=lambda r: (r["order_date"], r["order_no"]))
    return built, book


def _could_abbreviate(short: str, name: str) -> bool:
    """Whether `short` reads as an abbreviation of `name`: its characters in order, others left out."""
    rest = iter(name)
    return all(char in rest for char in short)


def _book_row(order_no: str, customer: str, vendor: Company, d0: dt.date, ln: Line, price: float) -> dict:
    return {
        "order_no": order_no,
        "customer": customer,
        "vendor": vendor.name,
        "order_date": d0.isoformat(),
        "product": ln.product,
        "spec": ln.spec or "",
        "unit": ln.unit or "",
        "quantity": _num(ln.qty),
        "unit_price": f"{price:.2f}",
    }


def _num(x: float | None) -> str:
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _build_one(plan: Plan, rng: random.Random, world: World, book: list[dict], built: list[Built], with_orders: bool) -> Built:
    lay = plan.layout
    lang = LAYOUTS[lay][1]
    t = plan.doc_type
    vendor = rng.choice(VENDORS[lang])
    flags: list[ExpectedFlag] = []
    meta: dict = {"layout": lay, "language": lang}
    book_order: str | None = None
    customer: Company | None = None
    order_no: str | None = None
    lines: list[Line] = []
    total: float | None = None
    tax_total = 0.0
    doc_no: str | None = None
    date: dt.date | None = None
    title = ""
    codes: list[tuple[str, str]] = []
    extra: dict = {}
    flag = plan.flag if with_orders else None

    if t in ("signoff_receipt", "sales_slip"):
        show_prices = rng.random() < (0.75 if t == "sales_slip" else 0.6)
        if lay == "en_delivery_note":
            show_prices = rng.random() < 0.4
        if flag == "PRICE_MISMATCH":
            show_prices = True
        # DUPLICATE_RECEIPT copies an earlier signed receipt of the same layout
        dup_of: Built | None = None
        if flag == "DUPLICATE_RECEIPT":
            cands = [b for b in built if b.plan.layout == lay and b.plan.doc_type == "signoff_receipt" and b.signed and b.book_order and not b.truth.expected_flags]
            if t == "signoff_receipt" and cands:
                dup_of = rng.choice(cands)
            else:
                flag = rng.choice(["QTY_MISMATCH", "ITEM_MISSING", "DATE_OUT_OF_RANGE"])
        if dup_of is not None:
            src = dup_of.doc
            vendor = src.vendor
            customer_name = src.customer
            customer = None
            lines = [Line(**{k: v for k, v in ln.__dict__.items() if k != "extra_price"}) for ln in src.items]
            show_prices = src.show_prices
            order_no = src.order_no
            book_order = dup_of.book_order
            date = (src.date or dt.date(2024, 6, 1)) + dt.timedelta(days=rng.randint(1, 6))
            d0 = date
            flags.append(ExpectedFlag(code="DUPLICATE_RECEIPT"))
            meta["duplicate_of"] = dup_of.truth.file
        else:
            customer = rng.choice(world.customers[lang])
            if flag == "CUSTOMER_MISMATCH":
                withsib = [c for c in world.customers[lang] if look_alike(c, world.customers[lang])]
                customer = rng.choice(withsib)
            customer_name = customer.name
            n = rng.randint(3, 12) if lay != "handbook" else rng.randint(3, 6)
            if lay in ("erp_a5_lines", "carbonless_dotmatrix", "tw_receipt") and n > 8:
                n = rng.randint(3, 8)
            lines = _lines(rng, lang, n, show_prices)
            d0 = dt.date(2024, 1, 5) + dt.timedelta(days=rng.randint(0, 300))
            date = d0 + dt.timedelta(days=rng.randint(0, 12))
            if flag == "DATE_OUT_OF_RANGE":
                date = d0 + dt.timedelta(days=rng.randint(DATE_WINDOW_DAYS + 8, 120))
            order_no = world.unique(lambda: order_number(rng, d0), world.used_order_nos)
            print_order = rng.random() < 0.8 or flag is not None
            book_lines: list[tuple[Line, float]] = [(Line(**{k: v for k, v in ln.__dict__.items() if k != "extra_price"}), ln.extra_price) for ln in lines]  # type: ignore[attr-defined]
            book_customer = customer.short if rng.random() < 0.6 else customer.name
            if flag == "QTY_MISMATCH":
                k = rng.randrange(len(lines))
                ln = book_lines[k][0]
                q = ln.qty or 1
                delta = max(1.0, round(q * rng.uniform(0.05, 0.3))) if float(q).is_integer() else round(q * 0.1, 2)
                ln.qty = q + delta  # ordered more than delivered
                flags.append(ExpectedFlag(code="QTY_MISMATCH", product=lines[k].product))
            elif flag == "PRICE_MISMATCH":
                k = rng.randrange(len(lines))
                bl, p = book_lines[k]
                book_lines[k] = (bl, float(money(p * rng.choice([0.9, 0.92, 0.95, 1.05, 1.08]))))
                if book_lines[k][1] == p:
                    book_lines[k] = (bl, p + 0.5)
                flags.append(ExpectedFlag(code="PRICE_MISMATCH", product=lines[k].product))
            elif flag == "ITEM_MISSING":
                extra_ln = _lines(rng, lang, 1, True, {(p.zh, p.spec) for p in PRODUCTS if p.name(lang) in {ln.product for ln in lines}})[0]
                book_lines.append((extra_ln, extra_ln.extra_price))  # type: ignore[attr-defined]
                flags.append(ExpectedFlag(code="ITEM_MISSING", product=extra_ln.product))
            elif flag == "ITEM_UNEXPECTED":
                if len(lines) < 2:
                    lines += _lines(rng, lang, 1, show_prices, {(p.zh, p.spec) for p in PRODUCTS if p.name(lang) in {ln.product for ln in lines}})
                    book_lines.append((Line(**{k: v for k, v in lines[0].__dict__.items() if k != "extra_price"}), lines[0].extra_price))  # type: ignore[attr-defined]
                k = len(lines) - 1
                book_lines = [bl for bl in book_lines if bl[0].product != lines[k].product or bl[0].spec != lines[k].spec]
                flags.append(ExpectedFlag(code="ITEM_UNEXPECTED", product=lines[k].product))
            elif flag == "CUSTOMER_MISMATCH":
                other = look_alike(customer, world.customers[lang])
                assert other is not None
                book_customer = other.short if rng.random() < 0.6 else other.name
                if _could_abbreviate(book_customer, customer_name):
                    # 鑫源装饰 abbreviates 厦门鑫源装饰工程… as well as the other city's 鑫源装饰:
                    # nothing on the slip could tell them apart, so the book names the other one in full.
                    book_customer = other.name
                flags.append(ExpectedFlag(code="CUSTOMER_MISMATCH"))
                meta["book_customer"] = book_customer
            elif flag == "DATE_OUT_OF_RANGE":
                flags.append(ExpectedFlag(code="DATE_OUT_OF_RANGE"))
            elif flag == "NO_MATCH":
                flags.append(ExpectedFlag(code="NO_MATCH"))
            if with_orders and flag != "NO_MATCH":
                for bl, price in book_lines:
                    book.append(_book_row(order_no, book_customer, vendor, d0, bl, price))
                book_order = order_no
            if not print_order:
                order_no = None
        total = _total(lines) if show_prices else None
        doc_style = {
            "erp_a4_grid": ["so", "dn_cn", "digits"],
            "erp_a5_lines": ["xs", "ck", "digits"],
            "carbonless_dotmatrix": ["serial7"],
            "handbook": ["serial7"],
            "tw_receipt": ["tw", "serial7"],
            "en_delivery_note": ["dn_en"],
        }[lay]
        style = rng.choice(doc_style)
        doc_no = world.unique(lambda: doc_number(rng, style, date), world.used_doc_nos)
        title = rng.choice(TITLES[(lang, t)])
        if lay in ("carbonless_dotmatrix", "handbook") and rng.random() < 0.3 and t == "signoff_receipt":
            title = "送货签收单"
        meta["order_date"] = d0.isoformat()
        # codes
        r = rng.random()
        code_kind = None
        if lay == "erp_a4_grid" and r < 0.5:
            code_kind = "qr"
        elif lay == "erp_a5_lines" and r < 0.5:
            code_kind = "code128"
        elif lay == "tw_receipt" and r < 0.3:
            code_kind = "code128"
        elif lay == "en_delivery_note" and r < 0.5:
            code_kind = rng.choice(["qr", "code128"])
        if code_kind:
            if code_kind == "qr":
                payload = rng.choice([
                    doc_no,
                    f"https://erp.{rng.choice(['dingxin', 'hongyun', 'jinlida'])}.com.cn/d/{doc_no}",
                    json.dumps({"no": doc_no, "po": order_no or "", "cust": customer_name[:8]}, ensure_ascii=False, separators=(",", ":")),
                ])
            else:
                payload = doc_no
            codes.append((code_kind, payload))
        extra["contact"] = person(rng, lang)
    elif t == "monthly_statement":
        customer = rng.choice(world.customers["zh-Hans"])
        customer_name = customer.name
        month = rng.randint(1, 11)
        start = dt.date(2024, month, 1)
        end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        n = rng.randint(24, 40) if plan.pages_hint == 2 else rng.randint(8, 18)
        lines = []
        d = start
        refstyle = rng.choice(["so", "digits", "dn_cn"])
        for _ in range(n):
            ln = _lines(rng, lang, 1, True)[0]
            d = min(end, d + dt.timedelta(days=rng.choice([0, 0, 1, 1, 2, 3])))
            ln.date = d
            ln.ref = doc_number(rng, refstyle, d)
            lines.append(ln)
        total = _total(lines)
        date = end + dt.timedelta(days=rng.randint(1, 6))
        doc_no = world.unique(lambda: doc_number(rng, "dz", end), world.used_doc_nos)
        title = rng.choice(["月结对账单", "客户对账单", f"{month}月份对账单"])
        extra["period"] = (start, end)
        meta["period"] = [start.isoformat(), end.isoformat()]
    elif t == "invoice":
        customer = rng.choice(world.customers[lang])
        customer_name = customer.name
        lines = _lines(rng, lang, rng.randint(2, 6), True)
        date = dt.date(2024, 1, 5) + dt.timedelta(days=rng.randint(0, 320))
        order_no = world.unique(lambda: order_number(rng, date), world.used_order_nos) if rng.random() < 0.6 else None
        if lang == "zh-Hans":
            rate = rng.choice([0.13, 0.13, 0.09, 0.03])
            for ln in lines:
                ln.taxrate = f"{int(rate * 100)}%"
                ln.tax = float(money((ln.amount or 0) * rate))
            tax_total = float(sum(money(ln.tax or 0) for ln in lines))
            meta["tax_rate"] = rate
            meta["tax_total"] = tax_total
            total = float(money(_total(lines) + tax_total))
            doc_no = world.unique(lambda: doc_number(rng, "inv_cn", date), world.used_doc_nos)
            title = rng.choice(["销售发票", "发票（记账联）", "销 售 发 票"])
            if rng.random() < 0.6:
                codes.append(("qr", f"01,10,,{doc_no},{total:.2f},{date:%Y%m%d},{rng.randint(10**9, 10**10 - 1)},"))
        else:
            total = _total(lines)
            doc_no = world.unique(lambda: doc_number(rng, "inv_en", date), world.used_doc_nos)
            title = "INVOICE"
        if with_orders and order_no:
            for ln in lines:
                book.append(_book_row(order_no, customer.short, vendor, date - dt.timedelta(days=rng.randint(3, 20)), ln, ln.price or 0))
            book_order = order_no
    else:  # other
        customer_name = None
        if lay in ("other_letter", "other_notice"):
            date = dt.date(2024, 1, 5) + dt.timedelta(days=rng.randint(0, 320))
        else:
            vendor = None  # type: ignore[assignment]
        lines = []

    date_style = rng.choice(DATE_STYLES[lang]) if date else None
    if lay == "handbook":
        date_style = "ymd_cn"
    elif lay == "other_letter" or lay == "other_notice" or lay == "statement":
        date_style = rng.choice(["ymd_cn", "dash"]) if lay != "statement" else rng.choice(["dash", "ymd_cn", "slash"])
    date_str = fmt_date(date, date_style) if date and date_style else None
    extra["paper"] = plan.paper
    doc = Doc(
        doc_type=t, layout=lay, lang=lang, vendor=vendor or VENDORS["zh-Hans"][0], customer=customer_name, doc_no=doc_no,
        order_no=order_no, date=date, date_str=date_str, items=lines, show_prices=bool(lines and lines[0].price is not None),
        total=total, tax_total=tax_total, title=title, maker=person(rng, lang), codes=codes, extra=extra,
    )
    # signature, driver, seal decisions
    sign_field = t in ("signoff_receipt", "sales_slip", "monthly_statement")
    signed = False
    driver_only = False
    carbon_sig = False
    if t == "signoff_receipt":
        signed = rng.random() < 0.72
        if flags and flags[0].code == "DUPLICATE_RECEIPT":
            signed = True
    elif t == "sales_slip":
        signed = rng.random() < 0.45
    elif t == "monthly_statement":
        signed = rng.random() < 0.5
    if plan.signed is not None and sign_field:
        signed = plan.signed
    if signed and rng.random() < 0.12:
        carbon_sig = True
    driver_name = None
    if t in ("signoff_receipt", "sales_slip"):
        if not signed and rng.random() < 0.45:
            driver_only = True
            driver_name = person(rng, lang)
        elif signed and rng.random() < 0.45:
            driver_name = person(rng, lang)
    if t == "signoff_receipt" and not signed:
        flags.append(ExpectedFlag(code="UNSIGNED"))
    if lang == "en":
        sig_style = "cursive"
        signer = rng.choice(PEOPLE_EN_SIG)
    else:
        sig_style = rng.choice(["name", "name", "cursive"])
        signer = person(rng, lang)
    seal_p = {"signoff_receipt": 0.55, "sales_slip": 0.35, "monthly_statement": 0.6, "invoice": 0.8, "other": 0.0}[t]
    if lay in ("other_letter", "other_notice"):
        seal_p = 0.85
    elif lay == "other_menu":
        seal_p = 0.3
    has_seal = rng.random() < seal_p
    if plan.seal is not None:
        has_seal = plan.seal and lay not in ("other_blank", "other_whiteboard")
    seal = None
    if has_seal:
        seal = _seal_choice(rng, t, lay, doc, customer_name, signed, plan.color == "bw")
    if date_style:
        meta["date_printed"] = date_str
        meta["date_style"] = date_style
    meta["book_order_no"] = book_order
    truth = GroundTruth(
        file="",
        pages=1,
        doc_type=t,  # type: ignore[arg-type]
        doc_no=doc_no,
        order_no=order_no,
        vendor=vendor.name if vendor else None,
        customer=customer_name,
        date=date.isoformat() if date else None,
        items=[LineItem(product=ln.product, spec=ln.spec, unit=ln.unit, quantity=ln.qty, unit_price=ln.price, amount=ln.amount) for ln in lines],
        total=total,
        signature_present=signed,
        seal_present=seal is not None,
        codes=[c[1] for c in codes],
        expected_flags=flags,
        meta=meta,
    )
    return Built(plan, doc, truth, signed, sig_style, signer, driver_only, driver_name, carbon_sig, seal, book_order)


def _seal_choice(rng: random.Random, t: str, lay: str, doc: Doc, customer_name: str | None, signed: bool, bw: bool) -> dict:
    lang = doc.lang
    owner = doc.vendor.name
    if t == "invoice":
        bottom, shape = ("发票专用章" if lang == "zh-Hans" else ""), "oval" if lang == "zh-Hans" else "round"
    elif t == "signoff_receipt" and customer_name and rng.random() < 0.5:
        owner = customer_name
        bottom = {"zh-Hans": "收货专用章", "zh-Hant": "收貨專用章", "en": ""}[lang]
        shape = rng.choice(["round", "oval"])
    elif t == "other":
        bottom, shape = ("" if lay == "other_menu" else rng.choice(["", "行政章"])), "round"
        if lay == "other_menu":
            owner = VENDORS["zh-Hans"][0].name
    else:
        bottom = {"zh-Hans": rng.choice(["发货专用章", "合同专用章", "财务专用章"]), "zh-Hant": rng.choice(["發貨專用章", "業務專用章"]), "en": ""}[lang]
        shape = rng.choice(["round", "round", "oval"])
    if t == "monthly_statement":
        bottom = "财务专用章"
    # where it lands
    if bw:
        target = "blank"
    elif owner == customer_name:
        target = rng.choice(["sign", "sign", "blank", "off_page"])
    else:
        target = rng.choice(["vendor", "vendor", "total", "blank", "off_page", "sign"] if t != "other" else ["vendor_footer", "vendor_footer", "blank", "off_page"])
    return {"owner": owner, "bottom": bottom, "shape": shape, "target": target, "serial": str(rng.randint(10**12, 10**13 - 1)) if rng.random() < 0.4 else None}


# ---------------------------------------------------------------------------
# Pass 3: render and save
# ---------------------------------------------------------------------------


def _place_marks(b: Built, pages: list[Page], rng: random.Random, nrng: np.random.Generator) -> dict:
    """Signature and driver's name on the page with the sign field; the seal on the last page."""
    info: dict = {}
    dpi = b.plan.dpi
    sign_page = next((p for p in pages if "sign" in p.regions), None)
    if b.signed and sign_page is not None:
        cv = sign_page.canvas
        box = sign_page.regions["sign"]
        m = _fit(signature_mask(b.signer, dpi, rng, b.doc.lang, b.signature_style), cv.px(rng.uniform(7.0, 9.5)), cv.px(box.w + 4))
        cx = cv.px(box.x + 1) + m.shape[1] // 2 + int(rng.uniform(0, max(1, cv.px(box.w) - m.shape[1]) * 0.7))
        # sits on the sign-off line (box bottom is 1.7 mm below the line), dipping slightly below it
        cy = cv.px(box.y + box.h - 1.7 + rng.uniform(0.3, 1.6)) - m.shape[0] // 2
        if b.carbon_signature:
            cv.set_ink("sig", "carbon", alpha=rng.uniform(0.55, 0.75))
            cv.blur_layers["sig"] = 0.9
            info["signature_ink"] = "carbon"
        else:
            ink = rng.choice(["blue_pen", "blue_pen", "black_pen"])
            cv.set_ink("sig", ink, alpha=rng.uniform(0.85, 1.0))
            info["signature_ink"] = ink
        paste_mask(cv, "sig", m, cx, cy)
        info["signature_style"] = b.signature_style
    if b.driver_name and "driver" in pages[0].regions:
        cv = pages[0].canvas
        box = pages[0].regions["driver"]
        cv.set_ink("drv", rng.choice(["blue_pen", "black_pen"]))
        cv.hand_text("drv", box.x + 3, box.y + box.h - 1.8, b.driver_name, 12, rng)
    if b.seal:
        s = b.seal
        page = pages[-1]
        cv = page.canvas
        m = seal_mask(s["owner"], s["bottom"], dpi, rng, nrng, s["shape"], b.doc.lang if b.doc.lang != "en" else "zh-Hans", s["serial"])
        tgt = s["target"]
        over_text = tgt in ("vendor", "total", "sign", "vendor_footer")
        box: Box | None = page.regions.get(tgt) if over_text else None
        if over_text and box is None:
            tgt, over_text = "blank", False
        if tgt == "blank" and page.blanks:
            box = rng.choice(page.blanks)
        if box is not None:
            cx = cv.px(box.cx + rng.uniform(-6, 6))
            cy = cv.px(box.cy + rng.uniform(-4, 4))
        else:  # half off the page, at the right or bottom edge
            tgt = "off_page"
            if rng.random() < 0.5:
                cx, cy = cv.W - int(rng.uniform(0.0, 0.25) * m.shape[1]), int(cv.H * rng.uniform(0.5, 0.85))
            else:
                cx, cy = int(cv.W * rng.uniform(0.55, 0.85)), cv.H - int(rng.uniform(0.0, 0.25) * m.shape[0])
            over_text = False
        cv.set_ink("seal", "seal_red", alpha=rng.uniform(0.72, 0.88))
        paste_mask(cv, "seal", m, cx, cy)
        info["seal_target"] = tgt
        info["seal_over_text"] = over_text
        info["seal_shape"] = s["shape"]
        info["seal_text"] = s["bottom"]
        info["seal_owner"] = s["owner"]
    else:
        info["seal_over_text"] = False
    return info


def _fit(m: np.ndarray, max_h: int, max_w: int) -> np.ndarray:
    """Crop a mark to its ink and shrink it to fit max_h x max_w pixels."""
    import cv2

    ys, xs = np.nonzero(m > 0.05)
    if len(ys):
        m = m[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    s = min(1.0, max_h / m.shape[0], max_w / m.shape[1])
    if s < 1.0:
        m = cv2.resize(m, (max(1, int(m.shape[1] * s)), max(1, int(m.shape[0] * s))), interpolation=cv2.INTER_AREA)
        m = np.clip(m * 1.15, 0, 1)
    return m


def _save(images: list[Image.Image], path: Path, fmt: str, dpi: int, quality: int) -> None:
    if fmt == "jpg":
        im = images[0]
        if im.mode == "1":
            im = im.convert("L")
        im.save(path, "JPEG", quality=quality, dpi=(dpi, dpi), optimize=False, progressive=False)
    elif fmt == "png":
        images[0].save(path, "PNG", dpi=(dpi, dpi), optimize=False, compress_level=9)
    elif fmt == "tiff":
        first = images[0]
        if first.mode == "1":
            first.save(path, "TIFF", save_all=True, append_images=images[1:], compression="group4", dpi=(dpi, dpi))
        else:
            ims = [im.convert("L") if im.mode == "1" else im for im in images]
            ims[0].save(path, "TIFF", save_all=True, append_images=ims[1:], compression="tiff_adobe_deflate", dpi=(dpi, dpi))
    elif fmt == "pdf":
        ims = [im.convert("L") if im.mode == "1" else im for im in images]
        # Pillow embeds RGB/L pages as JPEG; encode with our quality first so size stays small
        rs = []
        for im in ims:
            buf = io.BytesIO()
            im.save(buf, "JPEG", quality=min(quality, 70))
            buf.seek(0)
            rs.append(Image.open(buf))
        rs[0].save(
            path, "PDF", save_all=True, append_images=rs[1:], resolution=float(dpi),
            title=path.stem, producer="docintel samples", creator="docintel samples",
            creationDate=PDF_EPOCH, modDate=PDF_EPOCH,
        )
    else:
        raise ValueError(fmt)


EXT = {"jpg": "jpg", "png": "png", "tiff": "tif", "pdf": "pdf"}


def render_built(b: Built, seed: int) -> tuple[list[Image.Image], GroundTruth]:
    plan = b.plan
    rng = random.Random(f"render:{seed}:{plan.index}")
    nrng = np.random.default_rng([seed & 0xFFFFFFFF, plan.index, 7])
    pages = render(b.doc, rng, plan.dpi)
    marks = _place_marks(b, pages, rng, nrng)
    images = []
    cmeta: dict = {}
    skews = []
    signature_seen: float | None = None
    for page in pages:
        paper = b.doc.extra.get("paper_override", plan.paper)
        spec = CaptureSpec(plan.capture, plan.color, plan.rotation, plan.dpi)
        # Only a bilevel scan can lose a signature (to its threshold): that page is measured.
        measured = plan.color == "bw" and "sig" in page.canvas.layers and "signature_ink" in marks
        before = (rng.getstate(), nrng.bit_generator.state) if measured else None
        if paper == "whiteboard":
            arr = page.canvas.compose("white", nrng, ["pre", "red"])
            arr = arr * np.float32(0.93) + np.float32(0.05) * _glare(arr.shape, nrng)[..., None]
        else:
            arr = page.canvas.compose(paper, nrng, [*_INK_LAYERS, "sig", "seal"])
        im, m = capture(arr, spec, rng, nrng)
        if before is not None:
            signature_seen = _signature_seen(page, paper, spec, im, before, rng, nrng)
        images.append(im)
        skews.append(m.get("skew_deg", 0.0))
        cmeta = m if not cmeta else cmeta
    truth = b.truth.model_copy(deep=True)
    truth.pages = len(pages)
    # Some sales-slip layouts print no customer sign-off field: nothing was signed there.
    truth.signature_present = truth.signature_present and "signature_ink" in marks
    if signature_seen is not None:
        marks["signature_seen"] = round(signature_seen, 3)
        if signature_seen < SIGNATURE_SEEN_MIN:
            # The scanner's threshold took the faint (carbon) signature: the stored page shows
            # specks at most, and a clerk looking at it sees an unsigned receipt.
            truth.signature_present = False
            marks["signature_erased"] = True
            if truth.doc_type == "signoff_receipt" and all(f.code != "UNSIGNED" for f in truth.expected_flags):
                truth.expected_flags.append(ExpectedFlag(code="UNSIGNED"))
    meta = truth.meta
    meta.update({
        "paper": b.doc.extra.get("paper_override", plan.paper),
        "capture": plan.capture,
        "color_mode": plan.color,
        "rotation": plan.rotation,
        "skew_deg": skews[0],
        "dpi": cmeta.get("effective_dpi", plan.dpi),
        "render_dpi": plan.dpi,
        "format": plan.fmt,
        "jpeg_quality": plan.jpeg_quality if plan.fmt in ("jpg", "pdf") else None,
        "driver_name_only": b.driver_only,
        "driver_name_present": b.driver_name is not None,
        "signature_carbon": b.carbon_signature if b.signed else False,
    })
    for k in ("print", "form_ink", "columns", "table", "blank_marker", "upper_amount", "sign_label"):
        if k in b.doc.extra:
            meta[k] = b.doc.extra[k]
    if len(skews) > 1:
        meta["page_skews"] = skews
    meta.update({k: v for k, v in cmeta.items() if k not in ("skew_deg", "effective_dpi")})
    meta.update(marks)
    return images, truth


def _signature_seen(page: Page, paper: str, spec: CaptureSpec, captured: Image.Image, before: tuple,
                    rng: random.Random, nrng: np.random.Generator) -> float:
    """The share of the signature's strokes that came out black in a black-and-white scan: the page
    is captured again from the same random state without the signature, and the pixels black only
    with it are counted against the signature's own (scaled to the stored image's size)."""
    after = (rng.getstate(), nrng.bit_generator.state)
    rng.setstate(before[0])
    nrng.bit_generator.state = before[1]
    unsigned, _ = capture(page.canvas.compose(paper, nrng, [*_INK_LAYERS, "seal"]), spec, rng, nrng)
    rng.setstate(after[0])
    nrng.bit_generator.state = after[1]
    signed_ink, unsigned_ink = (np.asarray(im.convert("L")) < 128 for im in (captured, unsigned))
    strokes = np.count_nonzero(np.asarray(page.canvas.layers["sig"]) >= 128)
    scale = signed_ink.size / (page.canvas.W * page.canvas.H)
    return float(np.count_nonzero(signed_ink & ~unsigned_ink)) / max(1.0, strokes * scale)


def _glare(shape: tuple, nrng: np.random.Generator) -> np.ndarray:
    import cv2

    h, w = shape[:2]
    f = cv2.resize(nrng.normal(0, 1, (3, 4)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    return np.clip(f, 0, None)


def generate_samples(
    out_dir: Path,
    count: int,
    seed: int,
    *,
    with_orders: bool = True,
    kinds: Sequence[str] | None = None,
    plan_overrides: dict[int, dict] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[Path]:
    """Write ``count`` documents (image + truth JSON) and ``orders.csv`` into ``out_dir``.

    Deterministic in (count, seed, with_orders, kinds). Returns the image paths in document order.
    ``plan_overrides`` (index -> Plan field values) is for tests that need e.g. one clean flatbed page.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    plans = plan_set(count, seed, kinds)
    for idx, ov in (plan_overrides or {}).items():
        for k, v in ov.items():
            setattr(plans[idx], k, v)
    built, book = build_all(plans, seed, with_orders)
    paths: list[Path] = []
    for b in built:
        plan = b.plan
        name = f"{plan.index:04d}_{plan.doc_type}"
        images, truth = render_built(b, seed)
        if len(images) > 1 and plan.fmt in ("jpg", "png"):  # a single-image format cannot hold two pages
            plan.fmt = "pdf"
            truth.meta["format"] = "pdf"
        if plan.fmt == "jpg" and images[0].width * images[0].height > 3_500_000:  # big pages: keep files small
            plan.jpeg_quality = min(plan.jpeg_quality, 70)
            truth.meta["jpeg_quality"] = plan.jpeg_quality
        img_path = out_dir / f"{name}.{EXT[plan.fmt]}"
        truth.file = img_path.name
        _save(images, img_path, plan.fmt, truth.meta["dpi"], plan.jpeg_quality)
        (out_dir / f"{name}.json").write_text(truth.to_json(), encoding="utf-8")
        paths.append(img_path)
        if progress:
            progress(plan.index + 1, count, img_path.name)
    if with_orders:
        with open(out_dir / "orders.csv", "w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=["order_no", "customer", "vendor", "order_date", "product", "spec", "unit", "quantity", "unit_price"])
            w.writeheader()
            w.writerows(book)
    return paths
