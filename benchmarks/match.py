"""Matching throughput and accuracy on a million order lines.

Builds ~200k orders (~1M lines) for 5k customers (full names, abbreviations, look-alikes in other
cities) into a MemoryOrderBook, then matches 2,000 documents read with OCR-like noise: confusable
characters in order numbers, order numbers dropped or garbled, abbreviated/mangled customer names,
misread quantities. Prints build time, per-document latency and accuracy of the chosen order.

    .venv/bin/python benchmarks/match.py [--orders 200000] [--docs 2000] [--seed 1]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time

from docintel.extract.records import ExtractedDocument, LineItem
from docintel.match import MemoryOrderBook, OrderLineView, OrderView, match_to_orders
from docintel.samples.content import PRODUCTS

CITIES = ["上海", "杭州", "苏州", "宁波", "广州", "深圳", "东莞", "佛山", "无锡", "南京", "温州", "义乌", "厦门", "成都", "武汉", "天津"]
BRAND_CHARS = "恒达鑫源华盛永固金鼎宏发德润瑞丰嘉诚中泰汇通明辉新亚远航顺昌东升利民百川兴隆福昌富康天成和信长江海龙安泰联合振华光明"
TRADES = [("五金贸易", "五金"), ("建材", "建材"), ("电气设备", "电气"), ("包装材料", "包装"), ("食品", "食品"),
          ("机电设备", "机电"), ("物业管理", "物业"), ("电子科技", "电子"), ("机械制造", "机械")]
SUFFIXES = ["有限公司", "有限责任公司", "商行", "经营部"]
CONFUSE = {"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z"}


def make_customers(rng: random.Random, n: int) -> list[tuple[str, str]]:
    """(full name, book name); every brand+trade exists in two cities, the look-alike trap."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    while len(out) < n:
        brand = rng.choice(BRAND_CHARS) + rng.choice(BRAND_CHARS)
        trade, short = rng.choice(TRADES)
        for city in rng.sample(CITIES, 2):
            full = f"{city}{brand}{trade}{rng.choice(SUFFIXES)}"
            if full in seen:
                continue
            seen.add(full)
            # The book abbreviates with the city kept, so the two look-alikes stay distinguishable.
            book = rng.choice([full, f"{city}{brand}{short}"])
            out.append((full, book))
    return out[:n]


def order_number(rng: random.Random, d: dt.date, used: set[str]) -> str:
    while True:
        style = rng.randrange(4)
        if style == 0:
            no = f"PO-{d:%Y}-{d:%m%d}{rng.randint(1, 9999):04d}"
        elif style == 1:
            no = f"HT{d:%y%m%d}{rng.randint(1, 9999):04d}"
        elif style == 2:
            no = f"45{rng.randint(0, 99_999_999):08d}"
        else:
            no = f"CG-{d:%y%m}-{rng.randint(1, 99999):05d}"
        if no not in used:
            used.add(no)
            return no


def build_book(rng: random.Random, n_orders: int, customers: list[tuple[str, str]]) -> tuple[list[OrderView], list[str]]:
    used: set[str] = set()
    orders: list[OrderView] = []
    fulls: list[str] = []
    line_id = 0
    start = dt.date(2023, 1, 1)
    for _ in range(n_orders):
        full, book_name = rng.choice(customers)
        d = start + dt.timedelta(days=rng.randint(0, 700))
        lines = []
        for p in rng.sample(PRODUCTS, rng.randint(3, 7)):
            line_id += 1
            qty = float(rng.randint(int(p.qty[0]), int(p.qty[1])))
            lines.append(OrderLineView(line_id, p.zh, p.spec, p.unit, qty, round(rng.uniform(*p.price), 2), d))
        orders.append(OrderView(order_number(rng, d, used), book_name, (book_name,), d, tuple(lines)))
        fulls.append(full)
    return orders, fulls


def noisy_number(rng: random.Random, number: str) -> str | None:
    r = rng.random()
    if r < 0.25:
        return None  # not printed: customer + date + items must find it
    if r < 0.55:
        chars = list(number)
        idx = [i for i, c in enumerate(chars) if c in CONFUSE]
        for i in rng.sample(idx, min(len(idx), rng.randint(1, 2))):
            chars[i] = CONFUSE[chars[i]]
        return "".join(chars)
    if r < 0.6:
        chars = list(number)
        i = rng.randrange(len(chars))
        if chars[i].isdigit():
            chars[i] = str((int(chars[i]) + 3) % 10)  # a real misread: no longer an index hit
        return "".join(chars)
    return number


def noisy_customer(rng: random.Random, full: str) -> str:
    r = rng.random()
    if r < 0.2:
        return full.replace("有限", "有 限")  # a gap the OCR left
    if r < 0.3:
        return full[:-1]  # last character lost
    return full


def make_document(rng: random.Random, order: OrderView, full: str) -> ExtractedDocument:
    items = []
    for line in order.lines:
        if rng.random() < 0.05:
            continue  # short delivery: item missing
        qty = line.quantity
        if rng.random() < 0.05:
            qty = qty + 1  # misread quantity
        items.append(LineItem(product=line.product, spec=line.spec, unit=line.unit, quantity=qty, unit_price=line.unit_price))
    rng.shuffle(items)
    date = order.order_date + dt.timedelta(days=rng.randint(0, 12))
    return ExtractedDocument(
        file="bench.jpg",
        doc_type="signoff_receipt",
        doc_no=f"{rng.randint(0, 9_999_999):07d}",
        order_no=noisy_number(rng, order.order_no),
        customer=noisy_customer(rng, full),
        date=date.isoformat(),
        items=items,
        signature_present=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--docs", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    t0 = time.perf_counter()
    customers = make_customers(rng, args.customers)
    orders, fulls = build_book(rng, args.orders, customers)
    t_gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    book = MemoryOrderBook(orders)
    t_build = time.perf_counter() - t0
    n_lines = sum(len(o.lines) for o in orders)

    picks = [rng.randrange(len(orders)) for _ in range(args.docs)]
    docs = [(make_document(rng, orders[i], fulls[i]), orders[i].order_no) for i in picks]
    latencies: list[float] = []
    correct = wrong = unmatched = ambiguous = 0
    by_method: dict[str, list[int]] = {}
    for doc, truth in docs:
        t0 = time.perf_counter()
        result = match_to_orders(doc, book)
        latencies.append((time.perf_counter() - t0) * 1000)
        ambiguous += result.ambiguous
        stats = by_method.setdefault(result.method or "none", [0, 0])
        stats[1] += 1
        if result.order_no is None:
            unmatched += 1
        elif result.order_no == truth:
            correct += 1
            stats[0] += 1
        else:
            wrong += 1
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(f"{'orders':<28}{len(orders):>12,}")
    print(f"{'order lines':<28}{n_lines:>12,}")
    print(f"{'customers':<28}{len(customers):>12,}")
    print(f"{'generate (s)':<28}{t_gen:>12.1f}")
    print(f"{'build MemoryOrderBook (s)':<28}{t_build:>12.1f}")
    print(f"{'documents':<28}{len(docs):>12,}")
    print(f"{'median ms / document':<28}{statistics.median(latencies):>12.2f}")
    print(f"{'p95 ms / document':<28}{p95:>12.2f}")
    print(f"{'correct order':<28}{correct / len(docs):>12.1%}")
    print(f"{'wrong order':<28}{wrong / len(docs):>12.1%}")
    print(f"{'no match':<28}{unmatched / len(docs):>12.1%}")
    print(f"{'flagged ambiguous':<28}{ambiguous / len(docs):>12.1%}")
    for method, (ok, n) in sorted(by_method.items()):
        print(f"  {method:<26}{n:>8,} docs {ok / n if n else 0:>8.1%} correct")


if __name__ == "__main__":
    main()
