"""Form layouts: each draws one document onto one or more ``Canvas`` pages.

Layouts return, per page, the canvas and named regions (in mm) where the
generator may then put a signature, a driver's name or a seal.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from .content import Company, fmt_money, fmt_qty, rmb_upper
from .render import Box, Canvas, draw_code128, draw_qr

# layout name -> (doc types it can render, language)
LAYOUTS: dict[str, tuple[tuple[str, ...], str]] = {
    "erp_a4_grid": (("signoff_receipt", "sales_slip"), "zh-Hans"),
    "erp_a5_lines": (("sales_slip", "signoff_receipt"), "zh-Hans"),
    "carbonless_dotmatrix": (("signoff_receipt", "sales_slip"), "zh-Hans"),
    "handbook": (("signoff_receipt", "sales_slip"), "zh-Hans"),
    "tw_receipt": (("signoff_receipt", "sales_slip"), "zh-Hant"),
    "en_delivery_note": (("signoff_receipt",), "en"),
    "statement": (("monthly_statement",), "zh-Hans"),
    "invoice_cn": (("invoice",), "zh-Hans"),
    "invoice_en": (("invoice",), "en"),
    "other_letter": (("other",), "zh-Hans"),
    "other_notice": (("other",), "zh-Hans"),
    "other_menu": (("other",), "zh-Hans"),
    "other_blank": (("other",), "zh-Hans"),
    "other_whiteboard": (("other",), "zh-Hans"),
}


@dataclass
class Line:
    product: str
    spec: str | None
    unit: str | None
    qty: float | None
    price: float | None
    amount: float | None
    code: str = ""
    remark: str = ""
    date: dt.date | None = None  # statements: delivery date of the line
    ref: str = ""  # statements: receipt number of the line
    tax: float | None = None  # invoices
    taxrate: str = ""  # invoices


@dataclass
class Doc:
    doc_type: str
    layout: str
    lang: str
    vendor: Company
    customer: str | None
    doc_no: str | None
    order_no: str | None
    date: dt.date | None
    date_str: str | None
    items: list[Line]
    show_prices: bool
    total: float | None
    tax_total: float = 0.0
    title: str = ""
    maker: str = ""
    codes: list[tuple[str, str]] = field(default_factory=list)  # (kind, payload)
    pages: int = 1
    extra: dict = field(default_factory=dict)


@dataclass
class Page:
    canvas: Canvas
    regions: dict[str, Box] = field(default_factory=dict)
    blanks: list[Box] = field(default_factory=list)  # empty areas where a seal would not cover text


_ADDR_ROADS = ["长江路", "人民路", "建设路", "解放路", "中山路", "工业大道", "新华路", "环城东路"]


def address(rng: random.Random, lang: str) -> str:
    if lang == "en":
        return f"Unit {rng.randint(1, 20)}, {rng.randint(2, 28)}/F, {rng.choice(['Kwun Tong', 'Tsuen Wan', 'Kwai Chung', 'San Po Kong'])} Industrial Centre, Kowloon"
    if lang == "zh-Hant":
        return f"{rng.choice(['中正路', '民生路', '中山路', '建國路'])}{rng.randint(1, 380)}號{rng.randint(1, 12)}樓"
    return f"{rng.choice(['浦东新区', '经济开发区', '高新区', '工业园区', '城西区'])}{rng.choice(_ADDR_ROADS)}{rng.randint(1, 999)}号"


def phone(rng: random.Random, lang: str) -> str:
    if lang == "en":
        return f"{rng.randint(2000, 3999)} {rng.randint(1000, 9999)}"
    if lang == "zh-Hant":
        return f"0{rng.randint(2, 7)}-{rng.randint(2000, 2999)}-{rng.randint(1000, 9999)}"
    return f"1{rng.choice('3578')}{rng.randint(100000000, 999999999)}"


# ---------------------------------------------------------------------------
# Generic table
# ---------------------------------------------------------------------------

NUMERIC = {"qty", "price", "amount", "tax", "taxrate"}


def cell_value(ln: Line, key: str, idx: int, lang: str, thousands: bool) -> str:
    if key == "idx":
        return str(idx)
    if key == "code":
        return ln.code
    if key == "product":
        return ln.product
    if key == "spec":
        return ln.spec or ""
    if key == "prodspec":
        return f"{ln.product} {ln.spec}" if ln.spec else ln.product
    if key == "unit":
        return ln.unit or ""
    if key == "qty":
        return fmt_qty(ln.qty) if ln.qty is not None else ""
    if key == "price":
        return fmt_money(ln.price, thousands) if ln.price is not None else ""
    if key == "amount":
        return fmt_money(ln.amount, thousands) if ln.amount is not None else ""
    if key == "remark":
        return ln.remark
    if key == "date":
        return f"{ln.date:%m-%d}" if ln.date else ""
    if key == "ref":
        return ln.ref
    if key == "taxrate":
        return ln.taxrate
    if key == "tax":
        return fmt_money(ln.tax, thousands) if ln.tax is not None else ""
    return ""


def draw_table(
    cv: Canvas,
    pre: str,
    data: str,
    x: float,
    y: float,
    cols: list[tuple[str, str, float]],
    lines: list[Line],
    *,
    row_h: float,
    min_rows: int,
    grid: bool,
    head_size: float,
    data_size: float,
    data_kind: str,
    rng: random.Random,
    hand: bool = False,
    blank_marker: str | None = None,
    start_idx: int = 1,
    thousands: bool = False,
    head_kind: str = "sans_bold",
) -> tuple[float, dict[str, float]]:
    """Draw header, lines, blank rows; returns (y below the table, column centre x by key)."""
    total_w = sum(c[2] for c in cols)
    xs = [x]
    for c in cols:
        xs.append(xs[-1] + c[2])
    centers = {c[0]: (xs[i] + xs[i + 1]) / 2 for i, c in enumerate(cols)}
    lefts = {c[0]: xs[i] for i, c in enumerate(cols)}
    rights = {c[0]: xs[i + 1] for i, c in enumerate(cols)}
    n_rows = max(min_rows, len(lines) + (1 if blank_marker else 0))
    hh = row_h * 1.15
    # header
    for c in cols:
        cv.text(pre, centers[c[0]], y + hh * 0.68, c[1], head_size, head_kind, anchor="ms", max_w=c[2] - 1)
    lw = 0.3
    if grid:
        cv.rect(pre, x, y, total_w, hh + n_rows * row_h, lw)
        cv.line(pre, x, y + hh, x + total_w, y + hh, lw)
        for i in range(1, n_rows):
            cv.line(pre, x, y + hh + i * row_h, x + total_w, y + hh + i * row_h, 0.18)
        for xx in xs[1:-1]:
            cv.line(pre, xx, y, xx, y + hh + n_rows * row_h, 0.2)
    else:
        cv.line(pre, x, y, x + total_w, y, 0.45)
        cv.line(pre, x, y + hh, x + total_w, y + hh, 0.3)
        cv.line(pre, x, y + hh + n_rows * row_h, x + total_w, y + hh + n_rows * row_h, 0.45)
    base = y + hh
    for r, ln in enumerate(lines):
        by = base + r * row_h + row_h * 0.72
        for c in cols:
            s = cell_value(ln, c[0], start_idx + r, cv.lang, thousands)
            if not s:
                continue
            if hand:
                xx = lefts[c[0]] + 1.2 if c[0] not in NUMERIC else rights[c[0]] - 1.2 - cv.text_mm(s, data_size, "kai") * 0.95
                cv.hand_text(data, xx, by, s, data_size, rng)
            elif c[0] in NUMERIC:
                cv.text(data, rights[c[0]] - 1.2, by, s, data_size, data_kind, anchor="rs", max_w=c[2] - 1.5)
            elif c[0] in ("idx", "unit", "date"):
                cv.text(data, centers[c[0]], by, s, data_size, data_kind, anchor="ms", max_w=c[2] - 1)
            else:
                cv.text(data, lefts[c[0]] + 1.2, by, s, data_size, data_kind, anchor="ls", max_w=c[2] - 2)
    if blank_marker and len(lines) < n_rows:
        by = base + len(lines) * row_h + row_h * 0.72
        tx = x + total_w * 0.3
        if hand:
            cv.hand_text(data, tx, by, blank_marker, data_size, rng)
        else:
            cv.text(data, tx, by, blank_marker, data_size, data_kind, anchor="ls")
            if rng.random() < 0.5:
                cv.line(data, x + 2, by - row_h * 0.25, tx - 2, by - row_h * 0.25, 0.2)
    return base + n_rows * row_h, {"centers": centers, "lefts": lefts, "rights": rights, "right": x + total_w}


# ---------------------------------------------------------------------------
# Receipt / slip forms
# ---------------------------------------------------------------------------

LABELS = {
    "zh-Hans": {
        "customer": ["客户名称", "收货单位", "购货单位", "往来单位", "收货客户"],
        "doc_no": ["单号", "送货单号", "出库单号", "单据编号"],
        "order_no": ["订单号", "PO号", "客户订单号", "合同号"],
        "date": ["日期", "送货日期", "开单日期"],
        "address": ["地址", "收货地址", "送货地址"],
        "contact": ["联系人", "收货人"],
        "phone": ["电话", "联系电话"],
        "sign": ["签收人", "收货人签字", "客户签收", "收货人(签字)"],
        "driver": ["送货人", "送货人签字"],
        "maker": ["制单", "制单人", "开单人"],
        "total": ["合计", "合  计"],
        "upper": ["人民币大写：", "合计金额(大写)：", "大写金额："],
        "blank": "以下空白",
    },
    "zh-Hant": {
        "customer": ["客戶名稱", "客戶", "收貨單位"],
        "doc_no": ["單號", "出貨單號", "單據編號"],
        "order_no": ["訂單號碼", "客戶訂單", "訂單編號"],
        "date": ["日期", "出貨日期", "送貨日期"],
        "address": ["地址", "送貨地址"],
        "contact": ["聯絡人"],
        "phone": ["電話"],
        "sign": ["簽收人", "客戶簽收", "收貨人簽章"],
        "driver": ["送貨人"],
        "maker": ["製單", "經手人"],
        "total": ["合計", "總計"],
        "upper": ["新台幣(大寫)："],
        "blank": "以下空白",
    },
    "en": {
        "customer": ["Customer", "Bill To", "Sold To"],
        "doc_no": ["Delivery Note No.", "D/N No.", "Delivery No."],
        "order_no": ["PO No.", "Your Order No.", "Customer PO"],
        "date": ["Date", "Delivery Date"],
        "address": ["Deliver To", "Delivery Address"],
        "contact": ["Attn", "Contact"],
        "phone": ["Tel"],
        "sign": ["Received by", "Received in good order by"],
        "driver": ["Delivered by"],
        "maker": ["Prepared by", "Issued by"],
        "total": ["Total", "TOTAL"],
        "upper": [],
        "blank": "*** END ***",
    },
}

COLS = {
    "zh-Hans": {
        "idx": "序号", "code": ["货号", "产品编码", "商品编码"], "product": ["品名", "货品名称", "产品名称", "商品名称"],
        "spec": ["规格", "规格型号", "型号"], "prodspec": ["品名规格", "品名及规格", "货品名称及规格"], "unit": "单位",
        "qty": ["数量", "实发数量", "数 量"], "price": "单价", "amount": "金额", "remark": "备注",
    },
    "zh-Hant": {
        "idx": "項次", "code": ["料號", "產品編號"], "product": ["品名", "產品名稱"], "spec": ["規格"],
        "prodspec": ["品名規格"], "unit": "單位", "qty": ["數量"], "price": "單價", "amount": "金額", "remark": "備註",
    },
    "en": {
        "idx": "No.", "code": ["Item Code", "Code"], "product": ["Description"], "spec": ["Specification", "Size"],
        "prodspec": ["Description"], "unit": "Unit", "qty": ["Qty", "Quantity"], "price": "Unit Price", "amount": "Amount", "remark": "Remarks",
    },
}

TITLES = {
    ("zh-Hans", "signoff_receipt"): ["送货单", "送货签收单", "签收单", "送货回单"],
    ("zh-Hans", "sales_slip"): ["销售单", "出库单", "销货单", "销售出库单"],
    ("zh-Hant", "signoff_receipt"): ["簽收單", "送貨簽收單", "送貨單"],
    ("zh-Hant", "sales_slip"): ["銷貨單", "出貨單"],
    ("en", "signoff_receipt"): ["DELIVERY NOTE", "Delivery Note"],
}


def _pick(rng: random.Random, v):
    return rng.choice(v) if isinstance(v, list) else v


def form_columns(rng: random.Random, lang: str, widths: float, show_prices: bool, combined: bool, with_code: bool, with_remark: bool) -> list[tuple[str, str, float]]:
    names = COLS[lang]
    spec: list[tuple[str, float]] = [("idx", 0.055)]
    if with_code:
        spec.append(("code", 0.11))
    if combined:
        spec.append(("prodspec", 0.36))
    else:
        spec += [("product", 0.22), ("spec", 0.16)]
    spec += [("unit", 0.06), ("qty", 0.09)]
    if show_prices:
        spec += [("price", 0.10), ("amount", 0.12)]
    if with_remark:
        spec.append(("remark", 0.09))
    tot = sum(s[1] for s in spec)
    return [(k, _pick(rng, names[k]), widths * f / tot) for k, f in spec]


def render_form(doc: Doc, rng: random.Random, dpi: int) -> list[Page]:
    """Receipt / slip layouts: erp_a4_grid, erp_a5_lines, carbonless_dotmatrix, handbook, tw_receipt, en_delivery_note."""
    lay, lang = doc.layout, doc.lang
    L = LABELS[lang]
    meta = doc.extra
    if lay == "erp_a4_grid":
        w, margin = 210.0, 14.0
        h = 297.0 if len(doc.items) > 7 or rng.random() < 0.5 else 160.0
    elif lay == "erp_a5_lines":
        w, h, margin = 210.0, 148.0, 11.0
    elif lay == "carbonless_dotmatrix":
        w, h, margin = 241.0, 140.0 if len(doc.items) <= 6 else 186.0, 12.0
    elif lay == "handbook":
        w, h, margin = 190.0, 132.0 if len(doc.items) <= 6 else 160.0, 10.0
    elif lay == "tw_receipt":
        w, h, margin = 215.0, 140.0 if len(doc.items) <= 6 else 186.0, 11.0
    else:  # en_delivery_note
        w, h, margin = 210.0, 297.0, 16.0
    cv = Canvas(w, h, dpi, lang, rng)
    page = Page(cv)
    R = page.regions
    pre, data = "pre", "data"
    hand = lay == "handbook"
    data_kind = "sans"
    pre_ink = "laser"
    if lay == "carbonless_dotmatrix":
        pre_ink = rng.choice(["form_blue", "form_red", "form_green", "form_black"])
        cv.set_ink(pre, pre_ink)
        cv.set_ink(data, "dotmatrix")
        cv.dotmatrix_layers.add(data)
        cv.offsets[data] = (rng.uniform(-1.5, 2.5), rng.uniform(-1.2, 1.2))
        data_kind = "mono"
        meta["print"] = "dotmatrix"
    elif lay == "tw_receipt" and rng.random() < 0.5:
        cv.set_ink(pre, "form_blue")
        cv.set_ink(data, "dotmatrix")
        cv.dotmatrix_layers.add(data)
        cv.offsets[data] = (rng.uniform(-1.0, 2.0), rng.uniform(-1.0, 1.0))
        data_kind = "mono"
        meta["print"] = "dotmatrix"
    elif hand:
        cv.set_ink(pre, rng.choice(["form_black", "form_blue", "form_red"]))
        carbon = rng.random() < 0.4
        cv.set_ink(data, "carbon" if carbon else rng.choice(["blue_pen", "blue_pen", "black_pen"]))
        if carbon:
            cv.blur_layers[data] = 0.7
        meta["print"] = "handwritten_carbon" if carbon else "handwritten"
    else:
        cv.set_ink(pre, "laser")
        data = pre
        data_kind = rng.choice(["sans", "serif"]) if lang != "en" else "sans"
        meta["print"] = "laser"
    meta["form_ink"] = pre_ink if pre != data else cv.layer_ink[pre]
    ds = 10.5 if w > 200 else 9.5  # data size pt
    if hand:
        ds = 12.0
    # ---- title block -------------------------------------------------------
    y = margin
    x0, x1 = margin, w - margin
    title = doc.title
    if any(k == "code128" for k, _ in doc.codes):
        y += 11 if h > 150 else 9
    if lay in ("erp_a4_grid", "en_delivery_note", "tw_receipt"):
        vb = cv.text(pre, w / 2, y + 8, doc.vendor.name, 15 if lang != "en" else 14, "sans_bold" if lang != "en" else "serif_bold", anchor="ms")
        R["vendor"] = vb
        y += 10
        if lang == "en":
            cv.text(pre, w / 2, y + 4.5, address(rng, "en") + "   Tel: " + phone(rng, "en"), 8, "sans", anchor="ms")
            y += 6
        tb = cv.text(pre, w / 2, y + 10, title, 17, "sans_bold" if lang != "en" else "serif_bold", anchor="ms", spacing=2.5 if lang != "en" else 0)
        cv.line(pre, tb.x - 2, tb.y + tb.h + 1.2, tb.x + tb.w + 2, tb.y + tb.h + 1.2, 0.35)
        cv.line(pre, tb.x - 2, tb.y + tb.h + 2.0, tb.x + tb.w + 2, tb.y + tb.h + 2.0, 0.2)
        y += 16
    elif lay == "erp_a5_lines":
        vb = cv.text(pre, x0, y + 6, doc.vendor.name, 13, "sans_bold", anchor="ls")
        R["vendor"] = vb
        cv.text(pre, x1, y + 6, title, 16, "sans_bold", anchor="rs", spacing=1.5)
        cv.line(pre, x0, y + 9, x1, y + 9, 0.5)
        y += 12
    else:  # carbonless / handbook: pre-printed vendor and title, red serial number
        vb = cv.text(pre, w / 2, y + 7, doc.vendor.name, 14, "serif_bold", anchor="ms")
        R["vendor"] = vb
        tb = cv.text(pre, w / 2, y + 16, title, 16, "serif_bold", anchor="ms", spacing=3)
        cv.line(pre, tb.x - 3, tb.y + tb.h + 1.5, tb.x + tb.w + 3, tb.y + tb.h + 1.5, 0.3)
        cv.set_ink("red", "number_red")
        nx = x1 - 4
        cv.text("red", nx, y + 16, doc.doc_no or "", 14, "latin_mono", anchor="rs")
        cv.text(pre, nx - cv.text_mm(doc.doc_no or "", 14, "latin_mono") - 1.5, y + 16, "No.", 11, "serif_bold", anchor="rs")
        y += 20
    # codes (top right) -------------------------------------------------------
    for kind, payload in doc.codes:
        if kind == "qr":
            sz = 19 if h > 150 else 15
            qb = draw_qr(cv, pre, payload, x1 - sz, margin - 4, sz)
            R["qr"] = qb
        else:
            bb = draw_code128(cv, pre, payload, x0 if rng.random() < 0.5 else x1 - 75, margin - 4, 7.0 if h > 150 else 5.5, text=False)
            R["barcode"] = bb
    # ---- header fields -----------------------------------------------------
    hs = 10.0 if lang != "en" else 9.5
    lab = {k: _pick(rng, L[k]) for k in ("customer", "doc_no", "order_no", "date", "address", "contact", "phone")}
    serial_printed = lay in ("carbonless_dotmatrix", "handbook")
    left_fields: list[tuple[str, str | None, str]] = [("customer", doc.customer, lab["customer"])]
    if rng.random() < 0.75:
        left_fields.append(("address", address(rng, lang), lab["address"]))
    right_fields: list[tuple[str, str | None, str]] = []
    if not serial_printed:
        right_fields.append(("doc_no", doc.doc_no, lab["doc_no"]))
    right_fields.append(("date", doc.date_str, lab["date"]))
    if doc.order_no is not None or rng.random() < 0.3:
        right_fields.append(("order_no", doc.order_no, lab["order_no"]))
    if rng.random() < 0.6:
        left_fields.append(("contact", f"{doc.extra.get('contact', '')}  {phone(rng, lang)}", lab["contact"]))
    row = 7.0 if h > 150 else 6.2
    colon = "：" if lang != "en" else ":"
    split = x0 + (x1 - x0) * (0.58 if lang != "en" else 0.56)
    yy = y + 5
    for key, val, label in left_fields:
        lb = cv.text(pre, x0, yy, label + colon, hs, "sans" if lang != "en" else "sans_bold")
        vx = lb.x + lb.w + 1.5
        if hand or serial_printed:
            cv.line(pre, vx - 0.5, yy + 1.2, split - 4, yy + 1.2, 0.15)
        if val:
            if hand:
                vb = cv.hand_text(data, vx + 1, yy - 0.3, val, ds, rng)
            else:
                vb = cv.text(data, vx, yy, val, ds if key == "customer" else ds - 1, data_kind, max_w=split - vx - 5)
            if key == "customer":
                R["customer"] = vb
        yy += row
    yr = y + 5
    for key, val, label in right_fields:
        if key == "date" and hand:
            lb = cv.text(pre, split, yr, label + colon, hs, "sans")
            vx = lb.x + lb.w + 3
            d = doc.date
            parts = [(str(d.year), "年"), (str(d.month), "月"), (str(d.day), "日")] if d else []
            for num, unit in parts:
                cv.hand_text(data, vx, yr - 0.3, num, ds, rng)
                ux = vx + max(cv.text_mm(num, ds, "kai") + 2.5, 8)
                cv.text(pre, ux, yr, unit, hs, "sans")
                vx = ux + cv.text_mm(unit, hs) + 2
            yr += row
            continue
        lb = cv.text(pre, split, yr, label + colon, hs, "sans" if lang != "en" else "sans_bold")
        vx = lb.x + lb.w + 1.5
        if serial_printed:
            cv.line(pre, vx - 0.5, yr + 1.2, x1, yr + 1.2, 0.15)
        if val:
            if hand:
                cv.hand_text(data, vx + 1, yr - 0.3, val, ds, rng)
            else:
                cv.text(data, vx, yr, val, ds - 0.5, data_kind, max_w=x1 - vx)
        yr += row
    y = max(yy, yr) + 1
    # ---- table -------------------------------------------------------------
    combined = lay in ("erp_a5_lines", "handbook") or (lay == "carbonless_dotmatrix" and rng.random() < 0.6) or (lang == "en")
    with_code = lay in ("erp_a4_grid",) and rng.random() < 0.8 or (lay == "erp_a5_lines" and rng.random() < 0.5)
    with_remark = lang != "en" and rng.random() < 0.6
    meta["columns"] = "product+spec" if not combined else "product_spec_combined"
    cols = form_columns(rng, lang, x1 - x0, doc.show_prices, combined, with_code, with_remark)
    grid = lay not in ("erp_a5_lines", "en_delivery_note") or (lay == "en_delivery_note" and rng.random() < 0.4)
    meta["table"] = "ruled" if grid else "unruled"
    min_rows = {"erp_a4_grid": 8, "erp_a5_lines": 6, "carbonless_dotmatrix": 6, "handbook": 6, "tw_receipt": 6, "en_delivery_note": 10}[lay]
    blank = L["blank"] if rng.random() < 0.55 else None
    meta["blank_marker"] = bool(blank and len(doc.items) < min_rows)
    row_h = 6.6 if not hand else 7.4
    if lay == "en_delivery_note":
        row_h = 7.5
    y_end, geo = draw_table(
        cv, pre, data, x0, y, cols, doc.items, row_h=row_h, min_rows=min_rows, grid=grid,
        head_size=hs, data_size=ds - (0.5 if not hand else 1.5), data_kind=data_kind, rng=rng, hand=hand,
        blank_marker=blank, thousands=lang == "en", head_kind="sans_bold" if lay != "handbook" else "sans",
    )
    y = y_end
    # ---- totals ------------------------------------------------------------
    if doc.show_prices and doc.total is not None:
        tl = _pick(rng, L["total"])
        th = row_h
        if grid:
            cv.rect(pre, x0, y, x1 - x0, th, 0.3)
        tot_s = fmt_money(doc.total, lang == "en")
        if lang == "en":
            tot_s = "HK$ " + tot_s
        elif lang == "zh-Hant" and rng.random() < 0.5:
            tot_s = "NT$" + tot_s
        elif lang == "zh-Hans" and rng.random() < 0.5:
            tot_s = "¥" + tot_s
        cv.text(pre, x0 + 3, y + th * 0.72, tl, hs, "sans_bold")
        ax = geo["rights"]["amount"] - 1.2
        if hand:
            tb = cv.hand_text(data, ax - cv.text_mm(tot_s, ds - 1, "kai") * 0.95, y + th * 0.72, tot_s, ds - 1, rng)
        else:
            tb = cv.text(data, ax, y + th * 0.72, tot_s, ds - 0.5, data_kind, anchor="rs")
        R["total"] = tb
        if lang == "zh-Hans" and rng.random() < 0.7:
            ul = _pick(rng, L["upper"])
            lb = cv.text(pre, x0 + 25, y + th * 0.72, ul, hs - 0.5)
            up = rmb_upper(doc.total)
            if hand:
                cv.hand_text(data, lb.x + lb.w + 1, y + th * 0.72, up, ds - 1.5, rng)
            else:
                cv.text(data, lb.x + lb.w + 1, y + th * 0.72, up, ds - 0.5, data_kind, max_w=ax - lb.x - lb.w - 30)
            meta["upper_amount"] = up
        y += th
    # ---- footer: maker, driver, sign-off ---------------------------------------
    y += 11 if h > 150 else 9.5
    fl = {k: _pick(rng, L[k]) for k in ("sign", "driver", "maker")}
    slots: list[tuple[str, str]] = []
    if not hand and rng.random() < 0.8:
        slots.append(("maker", fl["maker"]))
    slots.append(("driver", fl["driver"]))
    slots.append(("sign", fl["sign"] if doc.doc_type == "signoff_receipt" or rng.random() < 0.7 else ""))
    slots = [s for s in slots if s[1]]
    slot_w = (x1 - x0) / len(slots)
    for i, (key, label) in enumerate(slots):
        sx = x0 + i * slot_w
        lb = cv.text(pre, sx, y, label + colon, hs, "sans" if lang != "en" else "sans_bold")
        lx = lb.x + lb.w + 1
        cv.line(pre, lx, y + 1.3, sx + slot_w - 4, y + 1.3, 0.2)
        box = Box(lx, y - 9, sx + slot_w - 4 - lx, 12)
        R[key] = box
        if key == "maker" and doc.maker:
            cv.text(data, lx + 2, y, doc.maker, ds - 1, data_kind)  # a printed name: not a signature
    if "sign" in R:
        meta["sign_label"] = next(lbl for k, lbl in slots if k == "sign")
    if lang == "en":
        cv.text(pre, x0, y + 9, "Goods received in good order and condition. Please sign and return the yellow copy.", 8)
    elif rng.random() < 0.7:
        note = "第一联：存根(白)  第二联：客户(红)  第三联：回单(黄)" if lang == "zh-Hans" else "第一聯：存根  第二聯：客戶  第三聯：回單"
        cv.text(pre, x0, min(h - 4, y + 8), note, 7.5)
    if lay in ("carbonless_dotmatrix", "handbook"):
        # vertical copy marker in the right margin
        mark = {"white": "①存根(白)", "pink": "②客户(红)", "yellow": "③回单(黄)", "blue": "④财务(蓝)", "green": "④回单(绿)"}[doc.extra.get("paper", "yellow")]
        for j, ch in enumerate(mark):
            cv.text(pre, w - margin / 2, 40 + j * 4.2, ch, 8, "sans", anchor="ms")
    # free areas for a seal that covers no text: right of the footer, below footer
    page.blanks.append(Box(x1 - 45, min(h - 25, y + 4), 40, 20))
    if h > 200:
        page.blanks.append(Box(x0 + 10, y + 20, 60, 40))
    return [page]


# ---------------------------------------------------------------------------
# Monthly statement
# ---------------------------------------------------------------------------


def render_statement(doc: Doc, rng: random.Random, dpi: int) -> list[Page]:
    lang = "zh-Hans"
    rows_first, rows_next = 20, 28
    chunks = [doc.items[:rows_first]]
    rest = doc.items[rows_first:]
    while rest:
        chunks.append(rest[:rows_next])
        rest = rest[rows_next:]
    pages: list[Page] = []
    start = 1
    cols_spec = [("idx", "序号", 10), ("date", "送货日期", 18), ("ref", "送货单号", 30), ("product", "品名", 36), ("spec", "规格", 26), ("unit", "单位", 11), ("qty", "数量", 16), ("price", "单价", 17), ("amount", "金额", 22)]
    total_w = sum(c[2] for c in cols_spec)
    period = doc.extra["period"]
    for pi, chunk in enumerate(chunks):
        cv = Canvas(210, 297, dpi, lang, rng)
        cv.set_ink("pre", "laser")
        page = Page(cv)
        R = page.regions
        x0 = (210 - total_w) / 2
        y = 16
        vb = cv.text("pre", 105, y + 6, doc.vendor.name, 15, "sans_bold", anchor="ms")
        cv.text("pre", 105, y + 16, doc.title, 17, "sans_bold", anchor="ms", spacing=1.5)
        R["vendor"] = vb
        y += 24
        if pi == 0:
            cv.text("pre", x0, y + 5, f"客户名称：{doc.customer}", 10.5)
            cv.text("pre", x0 + 110, y + 5, f"对账单号：{doc.doc_no}", 10)
            cv.text("pre", x0, y + 12, f"对账期间：{period[0]:%Y-%m-%d} 至 {period[1]:%Y-%m-%d}", 10)
            cv.text("pre", x0 + 110, y + 12, f"制表日期：{doc.date_str}", 10)
            cv.text("pre", x0, y + 19, f"结算方式：月结{rng.choice([30, 60])}天     币种：人民币", 9.5)
            y += 24
        else:
            cv.text("pre", x0, y + 5, f"客户名称：{doc.customer}    对账单号：{doc.doc_no}（续）", 10)
            y += 9
        y_end, geo = draw_table(cv, "pre", "pre", x0, y, cols_spec, chunk, row_h=7.0, min_rows=len(chunk), grid=True, head_size=9.5, data_size=9, data_kind="sans", rng=rng, start_idx=start)
        start += len(chunk)
        y = y_end
        last = pi == len(chunks) - 1
        if last:
            cv.rect("pre", x0, y, total_w, 7.5, 0.3)
            cv.text("pre", x0 + 3, y + 5.3, "本期合计", 10, "sans_bold")
            R["total"] = cv.text("pre", geo["rights"]["amount"] - 1.2, y + 5.3, fmt_money(doc.total), 9.5, "sans", anchor="rs")
            cv.text("pre", x0 + 30, y + 5.3, f"人民币大写：{rmb_upper(doc.total)}", 9.5)
            doc.extra["upper_amount"] = rmb_upper(doc.total)
            y += 14
            for j, ln in enumerate([
                "请贵公司于收到本对账单后7日内核对确认，如有异议请及时与我司财务联系；",
                "逾期未回复视为确认无误。确认无误后请签字盖章回传。",
            ]):
                cv.text("pre", x0, y + j * 5.5, ln, 9)
            y += 16
            cv.text("pre", x0, y, f"供货单位：{doc.vendor.name}", 10)
            R["vendor_footer"] = Box(x0, y - 5, 90, 7)
            cv.text("pre", x0 + 112, y, "客户确认（签字盖章）：", 10)
            cv.line("pre", x0 + 150, y + 1.3, x0 + total_w, y + 1.3, 0.2)
            R["sign"] = Box(x0 + 150, y - 9, total_w - 150, 12)
            doc.extra["sign_label"] = "客户确认（签字盖章）"
            cv.text("pre", x0, y + 8, f"经办人：{doc.maker}   电话：{phone(rng, lang)}", 9.5)
            cv.text("pre", x0 + 112, y + 8, "日期：", 10)
            page.blanks.append(Box(x0 + 112, y + 14, 60, 40))
        cv.text("pre", 105, 287, f"第 {pi + 1} 页  共 {len(chunks)} 页", 8.5, anchor="ms")
        pages.append(page)
    doc.pages = len(pages)
    return pages


# ---------------------------------------------------------------------------
# Invoice-style pages
# ---------------------------------------------------------------------------


def render_invoice(doc: Doc, rng: random.Random, dpi: int) -> list[Page]:
    lang = doc.lang
    cv = Canvas(210, 148 if lang == "zh-Hans" and len(doc.items) <= 5 else 210, dpi, lang, rng)
    page = Page(cv)
    R = page.regions
    if lang == "zh-Hans":
        ink = rng.choice(["form_black", "laser"])
        cv.set_ink("pre", ink)
        x0, x1 = 10, 200
        tb = cv.text("pre", 105, 17, doc.title, 18, "serif_bold", anchor="ms", spacing=2)
        cv.line("pre", tb.x - 4, 19.5, tb.x + tb.w + 4, 19.5, 0.4)
        cv.line("pre", tb.x - 4, 20.5, tb.x + tb.w + 4, 20.5, 0.4)
        for kind, payload in doc.codes:
            R["qr"] = draw_qr(cv, "pre", payload, x0, 3, 19)
        cv.text("pre", 140, 12, "发票号码：", 9.5)
        cv.text("pre", 158, 12, doc.doc_no or "", 10, "latin_mono")
        cv.text("pre", 140, 18, "开票日期：", 9.5)
        cv.text("pre", 158, 18, doc.date_str or "", 10)
        y = 25
        cv.rect("pre", x0, y, x1 - x0, 20, 0.35)
        cv.line("pre", x0 + 8, y, x0 + 8, y + 20, 0.25)
        for j, ch in enumerate("购买方"):
            cv.text("pre", x0 + 4, y + 6 + j * 5.2, ch, 9, anchor="ms")
        R["customer"] = cv.text("pre", x0 + 10, y + 6, f"名    称：{doc.customer}", 10)
        cv.text("pre", x0 + 10, y + 12, f"纳税人识别号：91{rng.randint(10**15, 10**16 - 1)}", 9)
        cv.text("pre", x0 + 10, y + 18, f"地址、电话：{address(rng, lang)} {phone(rng, lang)}", 8.5)
        if doc.order_no:
            cv.text("pre", 130, y + 6, f"合同号：{doc.order_no}", 9.5)
        y += 22
        cols = [("product", "货物或应税劳务名称", 50), ("spec", "规格型号", 28), ("unit", "单位", 12), ("qty", "数量", 18), ("price", "单价", 20), ("amount", "金额", 24), ("taxrate", "税率", 12), ("tax", "税额", 26)]
        y_end, geo = draw_table(cv, "pre", "pre", x0, y, cols, doc.items, row_h=6.5, min_rows=max(5, len(doc.items)), grid=True, head_size=9, data_size=9, data_kind="sans", rng=rng, head_kind="sans")
        y = y_end
        cv.rect("pre", x0, y, x1 - x0, 7, 0.3)
        cv.text("pre", x0 + 20, y + 5, "合    计", 9.5, anchor="ms")
        subtotal = round(sum(ln.amount or 0 for ln in doc.items), 2)
        cv.text("pre", geo["rights"]["amount"] - 1.2, y + 5, f"¥{fmt_money(subtotal)}", 9, anchor="rs")
        cv.text("pre", geo["rights"]["tax"] - 1.2, y + 5, f"¥{fmt_money(doc.tax_total)}", 9, anchor="rs")
        y += 7
        cv.rect("pre", x0, y, x1 - x0, 7, 0.3)
        cv.text("pre", x0 + 2, y + 5, f"价税合计（大写）  ⊗{rmb_upper(doc.total)}", 9.5)
        R["total"] = cv.text("pre", x1 - 3, y + 5, f"（小写）¥{fmt_money(doc.total)}", 9.5, anchor="rs")
        doc.extra["upper_amount"] = rmb_upper(doc.total)
        y += 9
        cv.rect("pre", x0, y, x1 - x0, 14, 0.35)
        for j, ch in enumerate("销售方"):
            cv.text("pre", x0 + 4, y + 4 + j * 4.2, ch, 8, anchor="ms")
        R["vendor"] = cv.text("pre", x0 + 10, y + 6, f"名    称：{doc.vendor.name}", 10)
        cv.text("pre", x0 + 10, y + 12, f"开户行及账号：中国工商银行{rng.choice(['浦东', '苏州', '佛山'])}支行 {rng.randint(10**15, 10**16 - 1)}", 8.5)
        y += 19
        cv.text("pre", x0, y, f"收款人：{rng.choice(['陈静', '徐丽', '周敏'])}      复核：{rng.choice(['孙涛', '何平'])}      开票人：{doc.maker}", 9.5)
        page.blanks.append(Box(140, y - 20, 50, 25))
    else:
        cv.set_ink("pre", "laser")
        x0, x1 = 16, 194
        R["vendor"] = cv.text("pre", x0, 22, doc.vendor.name, 14, "serif_bold")
        cv.text("pre", x0, 28, address(rng, "en"), 8.5)
        cv.text("pre", x1, 24, "INVOICE", 22, "serif_bold", anchor="rs")
        for kind, payload in doc.codes:
            R["qr"] = draw_qr(cv, "pre", payload, x1 - 22, 62, 20) if kind == "qr" else draw_code128(cv, "pre", payload, x1 - 60, 30, 6, text=False)
        y = 40
        cv.text("pre", x0, y, "Bill To:", 9.5, "sans_bold")
        R["customer"] = cv.text("pre", x0, y + 6, doc.customer or "", 10.5)
        cv.text("pre", x0, y + 11.5, address(rng, "en"), 8.5)
        for j, (k, v) in enumerate([("Invoice No.:", doc.doc_no), ("Date:", doc.date_str), ("Your PO No.:", doc.order_no), ("Terms:", rng.choice(["30 days", "C.O.D.", "60 days"]))]):
            if v is None:
                continue
            cv.text("pre", 130, y + j * 6, k, 9.5, "sans_bold")
            cv.text("pre", 158, y + j * 6, v, 9.5)
        y += 30
        cols = [("idx", "No.", 10), ("product", "Description", 62), ("spec", "Size", 30), ("qty", "Qty", 16), ("unit", "Unit", 14), ("price", "Unit Price", 22), ("amount", "Amount", 24)]
        y_end, geo = draw_table(cv, "pre", "pre", x0, y, cols, doc.items, row_h=7, min_rows=len(doc.items) + 2, grid=False, head_size=9.5, data_size=9.5, data_kind="sans", rng=rng, thousands=True)
        y = y_end + 7
        cv.text("pre", geo["rights"]["price"] - 2, y, "TOTAL (HK$)", 10.5, "sans_bold", anchor="rs")
        R["total"] = cv.text("pre", geo["rights"]["amount"] - 1.2, y, fmt_money(doc.total or 0, True), 10.5, "sans_bold", anchor="rs")
        cv.line("pre", geo["lefts"]["amount"], y + 1.5, geo["rights"]["amount"], y + 1.5, 0.3)
        cv.line("pre", geo["lefts"]["amount"], y + 2.3, geo["rights"]["amount"], y + 2.3, 0.3)
        y += 14
        cv.text("pre", x0, y, "Payment by cheque payable to " + doc.vendor.name, 8.5)
        cv.text("pre", x0, y + 5, "E. & O.E.", 8.5)
        cv.text("pre", x1, y + 22, f"For and on behalf of {doc.vendor.name}", 8.5, anchor="rs")
        cv.line("pre", x1 - 60, y + 38, x1, y + 38, 0.2)
        cv.text("pre", x1 - 30, y + 42, "Authorized Signature(s)", 8.5, anchor="ms")
        page.blanks.append(Box(x1 - 55, y + 20, 50, 22))
    return [page]


# ---------------------------------------------------------------------------
# Other pages: letter, notice, menu, blank, whiteboard
# ---------------------------------------------------------------------------

LETTER_BODIES = [
    ("关于产品价格调整的通知函", ["尊敬的客户：", "    感谢贵公司长期以来对我司的信任与支持。受原材料价格持续上涨影响，", "经公司研究决定，自下月1日起对部分五金及包装类产品价格进行适当调整，", "具体调整幅度请以业务人员提供的最新报价单为准。", "    已签订合同及已下达订单仍按原价格执行。由此给贵公司带来的不便，", "敬请谅解。", "    特此函告。"]),
    ("春节放假通知", ["各位客户、供应商：", "    春节将至，根据国家法定节假日安排并结合公司实际情况，现将放假事宜通知如下：", "    一、放假时间：2月8日至2月17日，共10天；2月18日正常上班。", "    二、放假期间仓库停止发货，请有需要的客户提前安排订货。", "    三、如有紧急事务，请联系值班人员。", "    祝大家新春快乐，万事如意！"]),
    ("对账确认函", ["致各往来单位：", "    为加强往来账款管理，我司将于本月25日前完成上季度往来账核对工作，", "    请各单位财务部门予以配合，核对无误后请回传确认。", "    联系人：财务部 徐丽", "    特此通知。"]),
]

MENU_DISHES = ["红烧肉", "宫保鸡丁", "番茄炒蛋", "清炒时蔬", "麻婆豆腐", "鱼香肉丝", "土豆牛腩", "紫菜蛋汤", "糖醋排骨", "青椒肉丝", "酸辣土豆丝", "冬瓜排骨汤"]
WHITEBOARD_LINES = ["本周待办", "1. 周五前仓库盘点", "2. 催收3月货款", "3. 补货：膨胀螺丝 M10", "4. 送货车辆年检", "   周三下午开会", "注意：回单要及时交财务!"]


def render_other(doc: Doc, rng: random.Random, dpi: int) -> list[Page]:
    lay = doc.layout
    if lay == "other_whiteboard":
        cv = Canvas(240, 170, dpi, "zh-Hans", rng)
        cv.set_ink("pre", rng.choice(["marker_black", "marker_blue"]))
        cv.set_ink("red", "marker_red")
        y = 22
        for j, ln in enumerate(WHITEBOARD_LINES):
            layer = "red" if j == len(WHITEBOARD_LINES) - 1 else "pre"
            cv.hand_text(layer, 18 + rng.uniform(-2, 2), y, ln, 20 if j == 0 else 16, rng)
            y += 19 if j == 0 else 17
        cv.line("pre", 150, 20, 150, 150, 0.6)
        cv.hand_text("pre", 160, 40, "3/18 到货", 14, rng)
        cv.hand_text("pre", 160, 58, "恒达 x 2", 14, rng)
        cv.set_ink("frame", "form_black", alpha=0.55)
        cv.rect("frame", 1.5, 1.5, 237, 167, 3.0)
        cv.rect("frame", 60, 162, 70, 5, 0.6, fill=255)  # marker tray
        doc.extra["paper_override"] = "whiteboard"
        return [Page(cv)]
    cv = Canvas(210, 297, dpi, "zh-Hans", rng)
    cv.set_ink("pre", "laser")
    page = Page(cv)
    if lay == "other_blank":
        # a nearly blank page: faint ruling and a pencil tick
        if rng.random() < 0.5:
            cv.set_ink("pre", "form_blue", alpha=0.25)
            for i in range(28):
                cv.line("pre", 20, 40 + i * 8.5, 190, 40 + i * 8.5, 0.15)
        cv.set_ink("hand", "carbon", alpha=0.5)
        cv.hand_text("hand", rng.uniform(120, 170), rng.uniform(240, 270), "√", 14, rng)
        page.blanks.append(Box(60, 80, 80, 80))
        return [page]
    if lay == "other_menu":
        cv.text("pre", 105, 30, "员工食堂本周菜单", 20, "serif_bold", anchor="ms", spacing=1)
        days = ["星期一", "星期二", "星期三", "星期四", "星期五"]
        y = 48
        for d in days:
            cv.text("pre", 30, y, d, 13, "sans_bold")
            dishes = rng.sample(MENU_DISHES, 3)
            for j, dish in enumerate(dishes):
                cv.text("pre", 60 + j * 45, y, dish, 12, "serif")
            cv.dashed("pre", 25, y + 6, 185, 0.2)
            y += 20
        cv.text("pre", 30, y + 10, "套餐  ¥12.00    加饭免费    开餐时间 11:30-13:00", 11)
        cv.text("pre", 30, y + 22, "行政部", 11)
        page.blanks.append(Box(120, y + 25, 60, 50))
        return [page]
    # letter / notice on letterhead
    title, body = LETTER_BODIES[0] if lay == "other_letter" else rng.choice(LETTER_BODIES[1:])
    page.regions["vendor"] = cv.text("pre", 105, 22, doc.vendor.name, 15, "serif_bold", anchor="ms")
    cv.line("pre", 20, 27, 190, 27, 0.6)
    cv.line("pre", 20, 28.2, 190, 28.2, 0.2)
    cv.text("pre", 105, 48, title, 17, "sans_bold", anchor="ms")
    y = 66
    for ln in body:
        cv.text("pre", 25, y, ln, 11.5, "serif")
        y += 10
    y += 18
    page.regions["vendor_footer"] = cv.text("pre", 185, y, doc.vendor.name, 11.5, "serif", anchor="rs")
    cv.text("pre", 185, y + 10, doc.date_str or "", 11.5, "serif", anchor="rs")
    page.blanks.append(Box(40, y + 30, 60, 60))
    return [page]


def render(doc: Doc, rng: random.Random, dpi: int) -> list[Page]:
    if doc.layout == "statement":
        return render_statement(doc, rng, dpi)
    if doc.layout.startswith("invoice"):
        return render_invoice(doc, rng, dpi)
    if doc.layout.startswith("other"):
        return render_other(doc, rng, dpi)
    return render_form(doc, rng, dpi)
