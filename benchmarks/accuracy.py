"""Per-field extraction accuracy over a folder of scans with ground-truth JSON beside each.

    python benchmarks/accuracy.py DIR                 # score an existing set
    python benchmarks/accuracy.py --generate 60 --seed 7   # generate a fresh set in a temp dir first

Prints one table; --report FILE writes every miss (truth vs extracted) as JSON for inspection.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

from rich.console import Console
from rich.table import Table

from docintel.samples import generate_samples
from docintel.samples.truth import GroundTruth, load_truth
from docintel.service import ExtractionFailure, extract_files

TARGETS = {
    "date": 0.98, "doc_no": 0.97, "order_no": 0.97, "customer": 0.95,
    "items_f1": 0.93, "signature_present": 0.97, "seal_present": 0.97,
}
EXACT_FIELDS = ("doc_type", "doc_no", "order_no", "customer", "vendor", "date", "total", "signature_present", "seal_present")
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def normalize(value) -> object:
    """Compare text after folding width and dropping spaces and punctuation; numbers to 2 places."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return round(float(value), 2)
    return _PUNCT.sub("", unicodedata.normalize("NFKC", str(value))).lower()


def item_pairs(items) -> list[tuple[object, object]]:
    return [(normalize(i["product"] if isinstance(i, dict) else i.product),
             normalize(i["quantity"] if isinstance(i, dict) else i.quantity)) for i in items]


def f1(truth: list, found: list) -> tuple[int, int, int]:
    remaining = list(truth)
    hits = 0
    for pair in found:
        if pair in remaining:
            remaining.remove(pair)
            hits += 1
    return hits, len(found), len(truth)


def score(folder: Path, workers: int | None, report: Path | None) -> int:
    truths: dict[Path, GroundTruth] = {}
    for json_path in sorted(folder.glob("*.json")):
        truth = load_truth(json_path)
        truths[folder / truth.file] = truth
    if not truths:
        print(f"no ground-truth JSON in {folder}", file=sys.stderr)
        return 2
    correct = {k: 0 for k in EXACT_FIELDS}
    tp = found_n = truth_n = 0
    failures, misses = 0, []
    started = time.perf_counter()
    for result in extract_files(list(truths), workers=workers):
        truth = truths[Path(result.file)]
        if isinstance(result, ExtractionFailure):
            failures += 1
            misses.append({"file": truth.file, "error": result.contract_dict()["error"]})
            continue
        miss = {}
        for key in EXACT_FIELDS:
            want, got = getattr(truth, key), getattr(result, key)
            if normalize(want) == normalize(got):
                correct[key] += 1
            else:
                miss[key] = {"truth": want, "got": got}
        hits, n_found, n_truth = f1(item_pairs([i.model_dump() for i in truth.items]), item_pairs(result.items))
        tp, found_n, truth_n = tp + hits, found_n + n_found, truth_n + n_truth
        if hits != n_truth or n_found != n_truth:
            miss["items"] = {"truth": item_pairs([i.model_dump() for i in truth.items]), "got": item_pairs(result.items)}
        if miss:
            misses.append({"file": truth.file, "meta": truth.meta, **miss})
    elapsed = time.perf_counter() - started
    total = len(truths)
    precision = tp / found_n if found_n else 0.0
    recall = tp / truth_n if truth_n else 0.0
    items_f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    table = Table(title=f"Extraction accuracy on {total} documents ({folder}), {elapsed:.0f} s")
    table.add_column("field")
    table.add_column("accuracy", justify="right")
    table.add_column("target", justify="right")
    table.add_column("met", justify="center")
    rows = {k: correct[k] / total for k in EXACT_FIELDS}
    rows["items_f1"] = items_f1
    for key, value in rows.items():
        target = TARGETS.get(key)
        met = "" if target is None else ("yes" if value >= target else "NO")
        table.add_row(key, f"{value:.1%}" if key != "items_f1" else f"{value:.3f}", "" if target is None else (f"{target:.0%}" if key != "items_f1" else f"{target:.2f}"), met)
    table.add_row("items precision / recall", f"{precision:.3f} / {recall:.3f}", "", "")
    table.add_row("files failed", str(failures), "0", "yes" if not failures else "NO")
    Console().print(table)
    if report:
        report.write_text(json.dumps(misses, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        print(f"misses written to {report}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", nargs="?", type=Path)
    parser.add_argument("--generate", type=int, metavar="N", help="generate N fresh documents first")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int)
    parser.add_argument("--report", type=Path)
    args = parser.parse_args()
    if args.generate:
        folder = args.folder or Path(tempfile.mkdtemp(prefix="docintel-acc-"))
        generate_samples(folder, args.generate, args.seed)
    elif args.folder:
        folder = args.folder
    else:
        parser.error("give a folder or --generate N")
    return score(folder, args.workers, args.report)


if __name__ == "__main__":
    sys.exit(main())
