"""Per-field extraction accuracy over a folder of scans with ground-truth JSON beside each.

    python benchmarks/accuracy.py DIR                 # score an existing set
    python benchmarks/accuracy.py --generate 60 --seed 7   # generate a fresh set in a temp dir first

Prints one table: each field as read; again after misread customer and product names are snapped
to the order book's spellings (DIR/orders.csv: what `docintel extract --orders` does); and as
`docintel ingest` stores it, the document then matched to the book and what matching proved
misread put right (an order number found through look-alikes, a quantity the slip's own amount
disproves, a product name on a line whose numbers are its order line's). The target column judges
the last. --report FILE writes every miss (truth vs extracted) as JSON, one file per column.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from docintel.samples import generate_samples
from docintel.samples.truth import GroundTruth, load_truth
from docintel.extract import ExtractedDocument
from docintel.extract.lexicon import apply_lexicon
from docintel.flags.evaluation import comparable, memory_order_book
from docintel.match import apply_match_repairs, match_to_orders
from docintel.orders.importer import read_order_book
from docintel.orders.lexicon import lexicon_of_orders
from docintel.service import ExtractionFailure, extract_files

TARGETS = {
    "date": 0.98, "doc_no": 0.97, "order_no": 0.97, "customer": 0.95,
    "items_f1": 0.93, "signature_present": 0.97, "seal_present": 0.97,
}
EXACT_FIELDS = ("doc_type", "doc_no", "order_no", "customer", "vendor", "date", "total", "signature_present", "seal_present")
def item_pairs(items) -> list[tuple[object, object]]:
    return [(comparable(i["product"] if isinstance(i, dict) else i.product),
             comparable(i["quantity"] if isinstance(i, dict) else i.quantity)) for i in items]


def f1(truth: list, found: list) -> tuple[int, int, int]:
    remaining = list(truth)
    hits = 0
    for pair in found:
        if pair in remaining:
            remaining.remove(pair)
            hits += 1
    return hits, len(found), len(truth)


@dataclass
class Tally:
    correct: dict[str, int] = field(default_factory=lambda: {k: 0 for k in EXACT_FIELDS})
    tp: int = 0
    found: int = 0
    truth: int = 0
    misses: list[dict] = field(default_factory=list)

    def add(self, truth: GroundTruth, result: ExtractedDocument) -> None:
        miss = {}
        for key in EXACT_FIELDS:
            want, got = getattr(truth, key), getattr(result, key)
            if comparable(want) == comparable(got):
                self.correct[key] += 1
            else:
                miss[key] = {"truth": want, "got": got}
        want_items = item_pairs([i.model_dump() for i in truth.items])
        hits, n_found, n_truth = f1(want_items, item_pairs(result.items))
        self.tp, self.found, self.truth = self.tp + hits, self.found + n_found, self.truth + n_truth
        if hits != n_truth or n_found != n_truth:
            miss["items"] = {"truth": want_items, "got": item_pairs(result.items)}
        if miss:
            self.misses.append({"file": truth.file, "meta": truth.meta, **miss})

    def rows(self, total: int) -> dict[str, str]:
        precision = self.tp / self.found if self.found else 0.0
        recall = self.tp / self.truth if self.truth else 0.0
        items_f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows = {k: f"{self.correct[k] / total:.1%}" for k in EXACT_FIELDS}
        rows["items_f1"] = f"{items_f1:.3f}"
        rows["items precision / recall"] = f"{precision:.3f} / {recall:.3f}"
        return rows

    def met(self, key: str, total: int) -> bool:
        if key == "items_f1":
            return float(self.rows(total)[key]) >= TARGETS[key]
        return self.correct[key] / total >= TARGETS[key]


def score(folder: Path, workers: int | None, report: Path | None, orders: Path | None) -> int:
    truths: dict[Path, GroundTruth] = {}
    for json_path in sorted(folder.glob("*.json")):
        truth = load_truth(json_path)
        truths[folder / truth.file] = truth
    if not truths:
        print(f"no ground-truth JSON in {folder}", file=sys.stderr)
        return 2
    lexicon = book = None
    if orders:
        book_orders, _report = read_order_book(orders)  # read once, for the names and the matching
        lexicon, book = lexicon_of_orders(book_orders), memory_order_book(book_orders)
    as_read, snapped, stored = Tally(), Tally(), Tally()
    failures = 0
    started = time.perf_counter()
    for result in extract_files(list(truths), workers=workers):
        truth = truths[Path(result.file)]
        if isinstance(result, ExtractionFailure):
            failures += 1
            as_read.misses.append({"file": truth.file, "error": result.contract_dict()["error"]})
            continue
        as_read.add(truth, result)
        if lexicon and book:
            with_names = apply_lexicon(result.model_copy(deep=True), lexicon)
            snapped.add(truth, with_names)
            # What ingest stores: the names snapped, matched to the book, what matching proved misread put right.
            kept = with_names.model_copy(deep=True)
            apply_match_repairs(kept, match_to_orders(kept, book), lexicon)
            stored.add(truth, kept)
    elapsed = time.perf_counter() - started
    total = len(truths)

    table = Table(title=f"Extraction accuracy on {total} documents ({folder}), {elapsed:.0f} s")
    columns = [("as read", as_read)] + ([(f"names snapped to {orders.name}", snapped), ("as ingest stores it", stored)] if lexicon else [])
    table.add_column("field")
    for title, _ in columns:
        table.add_column(title, justify="right")
    table.add_column("target", justify="right")
    table.add_column("met", justify="center")
    judged = columns[-1][1]
    rows = [tally.rows(total) for _, tally in columns]
    for key in rows[0]:
        target = TARGETS.get(key)
        shown = "" if target is None else (f"{target:.0%}" if key != "items_f1" else f"{target:.2f}")
        met = "" if target is None else ("yes" if judged.met(key, total) else "NO")
        table.add_row(key, *(r[key] for r in rows), shown, met)
    table.add_row("files failed", str(failures), *([""] * (len(columns) - 1)), "0", "yes" if not failures else "NO")
    Console().print(table)
    if report:
        for suffix, (_, tally) in zip(("", ".snapped", ".stored"), columns, strict=False):
            path = report.with_suffix(f"{suffix}.json") if suffix else report
            path.write_text(json.dumps(tally.misses, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
            print(f"misses ({suffix.lstrip('.') or 'as read'}) written to {path}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", nargs="?", type=Path)
    parser.add_argument("--generate", type=int, metavar="N", help="generate N fresh documents first")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int)
    parser.add_argument("--report", type=Path)
    parser.add_argument("--orders", type=Path, help="order book whose names misreadings snap to (default: DIR/orders.csv)")
    parser.add_argument("--no-orders", action="store_true", help="score only the names as read")
    args = parser.parse_args()
    if args.generate:
        folder = args.folder or Path(tempfile.mkdtemp(prefix="docintel-acc-"))
        generate_samples(folder, args.generate, args.seed)
    elif args.folder:
        folder = args.folder
    else:
        parser.error("give a folder or --generate N")
    orders = None if args.no_orders else (args.orders or folder / "orders.csv")
    return score(folder, args.workers, args.report, orders if orders and orders.exists() else None)


if __name__ == "__main__":
    sys.exit(main())
