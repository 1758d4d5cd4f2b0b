"""Checking a line item against quantity × unit price = amount, and using that
identity to undo a single OCR digit error in one of the three numbers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

DEFAULT_TOLERANCE = 0.011  # amounts are printed to the cent; allow one cent of rounding
_FIELDS = ("quantity", "unit_price", "amount")
_DIGITS = "0123456789"
# Decimal places a printed value can have: money to the cent, unit prices and
# quantities (kg, m) to four places. Derived values are rounded to these too.
_MAX_PLACES = {"quantity": 4, "unit_price": 4, "amount": 2}
# Where a lost decimal point is put back: money before its cents, a quantity up to three places.
_MONEY_PLACES = (2,)
_QUANTITY_LOST_PLACES = 3


@dataclass(frozen=True)
class ReconciledItem:
    quantity: float | None
    unit_price: float | None
    amount: float | None
    corrected: bool = False
    corrected_field: str | None = None


def amounts_consistent(
    quantity: float | None,
    unit_price: float | None,
    amount: float | None,
    tolerance: float = DEFAULT_TOLERANCE,
) -> bool:
    """quantity × unit_price equals amount within `tolerance` (False if any is missing)."""
    if quantity is None or unit_price is None or amount is None:
        return False
    return abs(quantity * unit_price - amount) <= tolerance


def reconcile_item(
    quantity: float | None,
    unit_price: float | None,
    amount: float | None,
    tolerance: float = DEFAULT_TOLERANCE,
    read_with_point: frozenset[str] = frozenset(),
) -> ReconciledItem:
    """Fill in or repair one of quantity, unit price and amount from the other two.

    - one value missing: it is computed from the other two;
    - all present but inconsistent: if exactly one field has a single OCR
      error (a digit substituted, dropped or added; a decimal point dropped,
      added or misplaced) whose undoing makes the triple consistent, that
      field is corrected. If more than one field could be repaired that way
      the evidence does not say which was misread, so nothing is changed;
    - failing that, two fields that each lost their decimal point (`read_with_point` names the
      fields whose text had one: those did not) are put back where exactly one placing fits.
    """
    values = {"quantity": quantity, "unit_price": unit_price, "amount": amount}
    missing = [name for name, value in values.items() if value is None]
    if len(missing) == 1:
        return _fill_missing(values, missing[0])
    if missing or amounts_consistent(quantity, unit_price, amount, tolerance):
        return ReconciledItem(quantity, unit_price, amount)

    repairs = {}
    for name in _FIELDS:
        repaired = _repair_field(values, name, tolerance)
        if repaired is not None:
            repairs[name] = repaired
    if not repairs and (points := _points_lost_in_two(values, tolerance, read_with_point)) is not None:
        return ReconciledItem(**{**values, **points}, corrected=True, corrected_field="+".join(points))
    if len(repairs) != 1:
        return ReconciledItem(quantity, unit_price, amount)
    (name, value), = repairs.items()
    return ReconciledItem(**{**values, name: value}, corrected=True, corrected_field=name)


def _points_lost_in_two(values: dict[str, float], tolerance: float, read_with_point: frozenset[str]) -> dict[str, float] | None:
    """The two fields put right when both lost their decimal point and nothing else (a phone photo
    of a statement at 145 dpi: 1412 7.28 102794 printed as 141.2 7.28 1027.94), if exactly one
    such placing of the points makes the triple consistent; None otherwise. Only values read
    without a point can have lost one, and money (price, amount) lost it before its cents: the
    product alone cannot tell 165.8 × 10.74 from 16.58 × 107.4."""
    found: list[dict[str, float]] = []
    for first, second in ((a, b) for i, a in enumerate(_FIELDS) for b in _FIELDS[i + 1:]):
        if first in read_with_point or second in read_with_point:
            continue
        for one in _point_placings(values[first], first):
            for two in _point_placings(values[second], second):
                trial = {**values, first: one, second: two}
                if abs(trial["quantity"] * trial["unit_price"] - trial["amount"]) <= tolerance:
                    found.append({first: one, second: two})
    return found[0] if len(found) == 1 else None


def _point_placings(value: float, name: str) -> list[float]:
    """`value`, read as a whole number, with its decimal point put back: before the cents for
    money, 1 to 3 digits from the end for a quantity (kg, m, t)."""
    if value != int(value) or abs(value) < 10:
        return []
    digits = len(str(int(abs(value))))
    shifts = _MONEY_PLACES if name != "quantity" else range(1, _QUANTITY_LOST_PLACES + 1)
    return [value / 10**k for k in shifts if k < digits]


def _fill_missing(values: dict[str, float | None], name: str) -> ReconciledItem:
    quantity, unit_price, amount = (values[field] for field in _FIELDS)
    if name == "amount":
        derived = quantity * unit_price
    elif name == "quantity":
        derived = amount / unit_price if unit_price else None
    else:
        derived = amount / quantity if quantity else None
    if derived is None:
        return ReconciledItem(quantity, unit_price, amount)
    filled = {**values, name: round(derived, _MAX_PLACES[name])}
    return ReconciledItem(**filled, corrected=True, corrected_field=name)


def _repair_field(values: dict[str, float | None], name: str, tolerance: float) -> float | None:
    """The single-OCR-error variant of `name` that makes the triple consistent (closest wins).

    A repaired triple must also be printable: an amount with more than two
    decimals is itself a misreading, so it can neither be produced by a
    repair nor be left standing by repairing another field.
    """
    best: tuple[float, float] | None = None
    for variant in ocr_variants(values[name]):
        trial = {**values, name: variant}
        if not (_fits_places(variant, _MAX_PLACES[name]) and _fits_places(trial["amount"], _MAX_PLACES["amount"])):
            continue
        residual = abs(trial["quantity"] * trial["unit_price"] - trial["amount"])
        if residual <= tolerance and (best is None or residual < best[0]):
            best = (residual, variant)
    return None if best is None else best[1]


def _fits_places(value: float, places: int) -> bool:
    scaled = abs(value) * 10**places
    return abs(scaled - round(scaled)) < 1e-6 * max(1.0, scaled)


def ocr_variants(value: float) -> set[float]:
    """Every value one OCR slip away from `value` as it would have been printed."""
    sign = -1.0 if value < 0 else 1.0
    variants = set()
    for printed in _printed_forms(abs(value)):
        for edited in _single_edits(printed):
            if edited.strip(".") and edited.count(".") <= 1:
                variants.add(sign * float(edited))
    variants.discard(value)
    return variants


def _printed_forms(value: float) -> set[str]:
    # The float lost how it was printed: 1091.5 may have been 1091.50 on paper.
    shortest = format(value, "f").rstrip("0").rstrip(".") or "0"
    return {shortest, f"{value:.2f}"}


def _single_edits(printed: str) -> Iterator[str]:
    for index, char in enumerate(printed):
        if char in _DIGITS:
            yield printed[:index] + printed[index + 1 :]  # an extra digit was read
            for digit in _DIGITS:
                if digit != char:
                    yield printed[:index] + digit + printed[index + 1 :]
    for index in range(len(printed) + 1):
        for digit in _DIGITS:
            yield printed[:index] + digit + printed[index:]  # a digit was dropped
    without_point = printed.replace(".", "")
    for index in range(1, len(without_point)):
        yield without_point[:index] + "." + without_point[index:]  # point dropped or misplaced
    if "." in printed:
        yield without_point  # a speck read as a decimal point
