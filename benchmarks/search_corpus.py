"""Synthetic archive for benchmarks/search.py: receipts and slips as OCR would read them.

The vocabulary is the sample generator's (docintel.samples.content): its customers, vendors,
products, units, people, number and date styles. Texts are laid out like the printed forms
(title, customer and number lines, an item table, totals in figures and 大写, the sign-off line)
in simplified Chinese, traditional Chinese or English, and about one document in eight has one
character of its customer or a product misread, the way OCR garbles a character.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from docintel.samples.content import (
    DATE_STYLES,
    PRODUCTS,
    VENDORS,
    Company,
    doc_number,
    fmt_date,
    fmt_money,
    fmt_qty,
    line_amount,
    make_customers,
    order_number,
    person,
    rmb_upper,
)
from docintel.store.models import Document, DocumentStatus, Flag, FlagStatus

# Characters OCR mistakes for one another on these forms (the second is what is read).
MISREAD = {
    "达": "迏", "五": "丑", "金": "全", "源": "原", "盛": "感", "鼎": "鼐", "发": "友", "润": "闰",
    "丰": "车", "诚": "城", "泰": "秦", "汇": "江", "辉": "晖", "亚": "业", "航": "舫", "昌": "昆",
    "升": "开", "民": "氏", "建": "健", "材": "村", "电": "由", "包": "句", "装": "妆", "螺": "蝶",
    "栓": "拴", "钢": "钔", "箱": "相", "胶": "校", "带": "常", "管": "菅", "锈": "绣", "膜": "漠",
    "達": "逹", "華": "莘", "鋼": "鍋", "紙": "絍", "貿": "賀", "易": "昜",
}
DOC_TYPES = {"signoff_receipt": 0.55, "sales_slip": 0.25, "invoice": 0.1, "monthly_statement": 0.05, "other": 0.05}
TITLES = {
    "zh-Hans": {"signoff_receipt": "送货签收单", "sales_slip": "销售出库单", "invoice": "销售发票", "monthly_statement": "月结对账单", "other": "收款收据"},
    "zh-Hant": {"signoff_receipt": "送貨簽收單", "sales_slip": "銷貨單", "invoice": "統一發票", "monthly_statement": "月結對帳單", "other": "收據"},
    "en": {"signoff_receipt": "DELIVERY NOTE", "sales_slip": "SALES SLIP", "invoice": "INVOICE", "monthly_statement": "STATEMENT OF ACCOUNT", "other": "RECEIPT"},
}
LABELS = {
    "zh-Hans": ("收货客户", "单据编号", "订单号", "日期", "序号 品名 规格 单位 数量 单价 金额", "合计金额(大写)", "送货人", "签收人"),
    "zh-Hant": ("客戶名稱", "單據號碼", "訂單號", "日期", "項次 品名 規格 單位 數量 單價 金額", "合計金額(大寫)", "送貨人", "簽收人"),
    "en": ("Customer", "D/N No.", "P.O. No.", "Date", "Item Description Spec Qty Unit Unit Price Amount", "Total", "Delivered by", "Received by"),
}
FLAG_CODES = ["NO_MATCH", "QTY_MISMATCH", "PRICE_MISMATCH", "UNSIGNED", "LOW_CONFIDENCE", "ITEM_MISSING", "DATE_OUT_OF_RANGE"]
STATUSES = [DocumentStatus.MATCHED, DocumentStatus.NEEDS_REVIEW, DocumentStatus.APPROVED, DocumentStatus.EXTRACTED]
DOC_NO_STYLES = {"zh-Hans": ["so", "dn_cn", "xs", "ck", "digits"], "zh-Hant": ["tw", "serial7"], "en": ["dn_en", "inv_en"]}
FIRST_DAY = dt.date(2021, 1, 1)
DAYS = 4 * 365


def customer_pool(worlds: int = 40) -> dict[str, list[Company]]:
    """The sample generator's customers from several seeds: a few hundred companies per language."""
    pool: dict[str, dict[str, Company]] = {"zh-Hans": {}, "zh-Hant": {}, "en": {}}
    for seed in range(worlds):
        for language, companies in make_customers(random.Random(seed)).items():
            for company in companies:
                pool[language].setdefault(company.name, company)
    return {language: list(companies.values()) for language, companies in pool.items()}


def misread(rng: random.Random, text: str) -> str:
    """`text` with one character OCR would confuse replaced (unchanged if it has none)."""
    spots = [i for i, c in enumerate(text) if c in MISREAD]
    if not spots:
        return text
    i = rng.choice(spots)
    return text[:i] + MISREAD[text[i]] + text[i + 1 :]


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def make_document(rng: random.Random, doc_id: int, customers: dict[str, list[Company]]) -> Document:
    """One archived document (not added to any session), its OCR text laid out like the form."""
    language = rng.choices(["zh-Hans", "zh-Hant", "en"], weights=[0.7, 0.15, 0.15])[0]
    doc_type = _weighted(rng, DOC_TYPES)
    customer = rng.choice(customers[language]).name
    vendor = rng.choice(VENDORS[language]).name
    date = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))
    doc_no = doc_number(rng, rng.choice(DOC_NO_STYLES[language]), date)
    order_no = order_number(rng, date - dt.timedelta(days=rng.randint(1, 20)))
    products = rng.sample(PRODUCTS, rng.randint(2, 7))
    items, rows, total = [], [], 0.0
    for n, product in enumerate(products, 1):
        quantity = rng.uniform(*product.qty) if product.decimal_qty else float(rng.randint(int(product.qty[0]), int(product.qty[1])))
        quantity = round(quantity, 3)
        price = round(rng.uniform(*product.price), 2)
        amount = line_amount(quantity, price)
        total += amount
        name, unit = product.name(language), product.unit_in(language)
        items.append({"product": name, "spec": product.spec, "unit": unit, "quantity": quantity, "unit_price": price, "amount": amount})
        rows.append(f"{n} {name} {product.spec} {unit} {fmt_qty(quantity)} {fmt_money(price)} {fmt_money(amount, thousands=True)}")
    printed_customer = misread(rng, customer) if rng.random() < 0.08 else customer
    if rng.random() < 0.05 and rows:
        rows[0] = misread(rng, rows[0])
    cust_label, no_label, order_label, date_label, header, total_label, driver_label, sign_label = LABELS[language]
    total_words = rmb_upper(total) if language != "en" else f"HK${fmt_money(total, thousands=True)}"
    lines = [
        f"{vendor}  {TITLES[language][doc_type]}",
        f"{cust_label}: {printed_customer}  {no_label}: {doc_no}",
        f"{order_label}: {order_no}  {date_label}: {fmt_date(date, rng.choice(DATE_STYLES[language]))}",
        header,
        *rows,
        f"{total_label}: {total_words}  ¥{fmt_money(total, thousands=True)}",
        f"{driver_label}: {person(rng, language)}  {sign_label}: {person(rng, language) if rng.random() < 0.85 else ''}",
    ]
    fields = {
        "doc_type": doc_type, "doc_no": doc_no, "order_no": order_no, "customer": printed_customer, "vendor": vendor,
        "date": date.isoformat(), "items": items, "total": round(total, 2), "text": "\n".join(lines),
    }
    flags = [Flag(code=code, status=FlagStatus.OPEN, message="") for code in rng.sample(FLAG_CODES, rng.choice([0, 0, 0, 1, 1, 2]))]
    stamp = dt.datetime(2024, 12, 31, tzinfo=dt.UTC) + dt.timedelta(seconds=doc_id)
    return Document(
        id=doc_id, sha256=f"{doc_id:064x}", original_filename=f"scan_{doc_id:06d}.jpg", pages=1,
        status=DocumentStatus.NEEDS_REVIEW if flags else rng.choice(STATUSES), doc_type=doc_type,
        doc_no=doc_no, order_no=order_no, customer=printed_customer, vendor=vendor, doc_date=date, total=round(total, 2),
        signature_present=rng.random() < 0.85, seal_present=rng.random() < 0.5, fields=fields,
        flags=flags, created_at=stamp, updated_at=stamp,
    )


def synthetic_documents(count: int, seed: int = 1) -> Iterator[Document]:
    rng = random.Random(seed)
    customers = customer_pool()
    for doc_id in range(1, count + 1):
        yield make_document(rng, doc_id, customers)
