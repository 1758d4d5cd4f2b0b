"""Aligning a document's items with an order's lines: product+spec similarity, optimal assignment."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz
from scipy.optimize import linear_sum_assignment

from docintel.chinese import to_simplified
from docintel.extract.records import LineItem
from docintel.extract.values import digits_dropped_from, number_text
from docintel.match.config import match_config
from docintel.match.records import LineAlignment, OrderLineView

_SPACE = re.compile(r"[\s\u3000]+")
# The multiplication sign of a spec (50×50×5, 60×40×40cm) is read as x, X or *, and keyed in so.
_TIMES = str.maketrans({"×": "x", "*": "x", "✕": "x"})


@dataclass(frozen=True, slots=True)
class Alignment:
    lines: list[LineAlignment]
    score: float  # 0..1: how much of both sides pairs up, weighted by similarity
    quantity_agreement: float  # share of paired lines whose quantities agree


@lru_cache(maxsize=65536)
def _fold(text: str | None) -> str:
    if not text:
        return ""
    # 膨脹螺絲 on a Taiwanese slip is the book's 膨胀螺丝.
    return to_simplified(_SPACE.sub("", unicodedata.normalize("NFKC", text).casefold().translate(_TIMES)))


def product_similarity(item: LineItem, line: OrderLineView) -> float:
    cfg = match_config()
    product = fuzz.ratio(_fold(item.product), _fold(line.product)) / 100.0
    a, b = _fold(item.spec), _fold(line.spec)
    if not a or not b:
        return product
    spec = fuzz.ratio(a, b) / 100.0
    return cfg.product_weight * product + cfg.spec_weight * spec


def quantities_agree(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return True
    return abs(a - b) <= match_config().quantity_rel_tolerance * max(abs(a), abs(b), 1.0)


def digit_slip(a: float, b: float) -> bool:
    """Whether one number is the other with one digit dropped (6 for 60, 465 for 46 the other way
    round): the commonest misreading of a number, and rarely a real difference."""
    x, y = number_text(a), number_text(b)
    shorter, longer = sorted((x, y), key=len)
    return len(longer) == len(shorter) + 1 and digits_dropped_from(shorter, longer)


def prices_agree(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return True
    cfg = match_config()
    return abs(a - b) <= max(cfg.price_abs_tolerance, cfg.price_rel_tolerance * max(abs(a), abs(b)))


def line_agrees(line: LineAlignment) -> bool:
    """An item paired with an order line whose quantity and unit price it agrees with (a number
    not printed agrees)."""
    return (
        line.item_index is not None and line.order_line_id is not None
        and quantities_agree(line.doc_quantity, line.order_quantity) and prices_agree(line.doc_unit_price, line.order_unit_price)
    )


def _as_printed(item: LineItem, line: OrderLineView) -> tuple[float | None, float | None, tuple[str, ...]]:
    """The item's quantity and unit price, one misread number put right where the slip itself
    proves the order's value: a printed amount that equals the order's quantity times the printed
    price (8 read for 80, 80 × 11.01 = 880.80 printed) says the quantity was misread, not short.
    A real difference prints its own amount (80 delivered of 100: 80 × price), so it stays.
    """
    quantity, price, repaired = item.quantity, item.unit_price, ()
    if item.amount is None:
        return quantity, price, repaired
    if line.unit_price is not None and prices_agree(line.quantity * line.unit_price, item.amount):
        # The amount is the order line's to the cent: both numbers beside it were misread (381 and
        # 31.9 read for 380 × 31.95 = 12141.00).
        if not quantities_agree(quantity, line.quantity):
            quantity, repaired = line.quantity, ("quantity",)
        if not prices_agree(price, line.unit_price):
            price, repaired = line.unit_price, (*repaired, "unit_price")
        return quantity, price, repaired
    if not quantities_agree(quantity, line.quantity) and price is not None and prices_agree(line.quantity * price, item.amount):
        quantity, repaired = line.quantity, ("quantity",)
    elif (
        line.unit_price is not None and not prices_agree(price, line.unit_price)
        and quantity is not None and prices_agree(quantity * line.unit_price, item.amount)
    ):
        price, repaired = line.unit_price, ("unit_price",)
    return quantity, price, repaired


def _paired_by_numbers(items: Sequence[LineItem], lines: Sequence[OrderLineView], pairs: dict[int, int]) -> dict[int, int]:
    """Items left over whose name was misread past recognition (劳保季套尼万涂胶 for 劳保手套) paired
    with a left-over order line by their numbers: the same quantity and the same unit price (or
    the order's quantity × price as the printed amount; with no price printed, the same quantity
    and a name like the order's), and no other left-over line fitting; then, with no price printed,
    the same quantity where no other left-over on either side has it, and a name a little like it.
    Otherwise one misread name becomes an ITEM_UNEXPECTED and an ITEM_MISSING."""
    free_items = [i for i in range(len(items)) if i not in pairs]
    free_lines = [j for j in range(len(lines)) if j not in pairs.values()]

    def fits(i: int, j: int) -> bool:
        item, line = items[i], lines[j]
        if _numbers_bear_out(item, line, item.quantity, item.unit_price):
            return True
        # A receipt without prices has only the quantity to go by, so the name must still resemble
        # the order's (不镑锅六角包栓 for 不锈钢六角螺栓, whose misread spec MOX4 kept it below the pairing
        # score), or the spec be the order's to the letter (午疤记钢 50x50x5 for 等边角钢 50×50×5).
        return (
            _unpriced(item) and item.quantity is not None
            and quantities_agree(item.quantity, line.quantity)
            and (
                fuzz.ratio(_fold(item.product), _fold(line.product)) / 100.0 >= match_config().pair_threshold
                or _fold(item.spec) == _fold(line.spec) != ""
            )
        )

    found = _unique_fits(free_items, free_lines, fits)

    def same_quantity(i: int, j: int) -> bool:
        item, line = items[i], lines[j]
        return (
            _unpriced(item) and item.quantity is not None and quantities_agree(item.quantity, line.quantity)
            and fuzz.ratio(_fold(item.product), _fold(line.product)) / 100.0 >= match_config().unique_quantity_name_ratio
        )

    # Then, among what is still left, a receipt's line whose quantity no other left-over shares,
    # and a name with a little of the order's left in it (平热国 for 平垫圈).
    rest_items = [i for i in free_items if i not in found]
    rest_lines = [j for j in free_lines if j not in found.values()]
    return found | _unique_fits(rest_items, rest_lines, same_quantity)


def _unique_fits(free_items: list[int], free_lines: list[int], fits: Callable[[int, int], bool]) -> dict[int, int]:
    """Item → order line where each is the only one of the other side's left-overs that fits."""
    found = {}
    for i in free_items:
        fitting = [j for j in free_lines if fits(i, j)]
        if len(fitting) == 1 and sum(fits(k, fitting[0]) for k in free_items) == 1:
            found[i] = fitting[0]
    return found


def paired_share(lines: Sequence[LineAlignment]) -> float:
    """Share of an alignment's lines (the union of items and order lines) that pair an item with an
    order line; 0 for an empty alignment."""
    paired = sum(1 for a in lines if a.item_index is not None and a.order_line_id is not None)
    return paired / len(lines) if lines else 0.0


def _unpriced(item: LineItem) -> bool:
    """A line with no price or amount printed (a sign-off receipt's): its quantity is its only number."""
    return item.unit_price is None and item.amount is None


def _numbers_bear_out(item: LineItem, line: OrderLineView, quantity: float | None, price: float | None) -> bool:
    """Whether the slip's numbers are the order line's: its quantity, and its unit price or its
    amount (the order's quantity × price). Then a name that differs was misread (电线 for 电缆,
    劳保季套 for 劳保手套), and is written as the order writes it. A price that differs does not
    undo an amount that is the order's: a price misread beside both (28.59 for 250.59, 9 × 250.59 =
    2255.31 printed) is likelier than a quantity and an amount that agree by chance."""
    if quantity is None or line.unit_price is None or not quantities_agree(quantity, line.quantity):
        return False
    if price is not None and prices_agree(price, line.unit_price):
        return True
    return item.amount is not None and prices_agree(item.amount, line.quantity * line.unit_price)


def align_items(items: Sequence[LineItem], lines: Sequence[OrderLineView]) -> Alignment:
    cfg = match_config()
    if not items and not lines:
        return Alignment([], 0.0, 0.0)
    sim = np.zeros((len(items), len(lines)))
    for i, item in enumerate(items):
        for j, line in enumerate(lines):
            s = product_similarity(item, line)
            # Equal quantities break ties between one product in two specs (M8×30 / M10×40).
            sim[i, j] = s + (0.02 if s >= cfg.pair_threshold and quantities_agree(item.quantity, line.quantity) else 0.0)
    pairs: dict[int, int] = {}
    if items and lines:
        rows, cols = linear_sum_assignment(sim, maximize=True)
        pairs = {int(r): int(c) for r, c in zip(rows, cols, strict=True) if sim[r, c] >= cfg.pair_threshold}
        pairs |= _paired_by_numbers(items, lines, pairs)
    out: list[LineAlignment] = []
    total_sim = 0.0
    agree = 0
    for i, item in enumerate(items):
        j = pairs.get(i)
        if j is None:
            out.append(LineAlignment(i, None, None, item.quantity, None, item.unit_price, None, item.product, None))
            continue
        line = lines[j]
        s = min(1.0, product_similarity(item, line))
        total_sim += s
        quantity, price, repaired = _as_printed(item, line)
        if _fold(item.product) != _fold(line.product) and (
            _numbers_bear_out(item, line, quantity, price) or _unpriced(item) and quantities_agree(quantity, line.quantity)
        ):
            repaired = (*repaired, "product")
        agree += quantities_agree(quantity, line.quantity)
        out.append(
            LineAlignment(i, line.id, round(s, 4), quantity, line.quantity, price, line.unit_price, item.product, line.product, repaired)
        )
    paired = set(pairs.values())
    for j, line in enumerate(lines):
        if j not in paired:
            out.append(LineAlignment(None, line.id, None, None, line.quantity, None, line.unit_price, None, line.product))
    score = total_sim / max(len(items), len(lines))
    return Alignment(out, score, agree / len(pairs) if pairs else 0.0)
