"""Document-type classifier: accuracy on a fresh generated set, time per page, model load time.

    python benchmarks/classify.py                         # 24 documents per type, seed 303
    python benchmarks/classify.py --per-class 40 --seed 404
    python benchmarks/classify.py --folder DIR            # an existing labelled folder

The baseline is the title rule (a type word in the form's title; extract_fields without the
classifier) on the same OCR output of the same run. Scans are read once and cached by content
(DOCINTEL_HOME/cache/ocr), so a second run measures the classifier alone in seconds.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from docintel.classify.classes import CLASSES, OTHER
from docintel.classify.dataset import examples_from_scans, generate_balanced, labelled_folder
from docintel.classify.features import feature_view
from docintel.classify.model import current_model, load_model
from docintel.classify.predict import decide, predict_views, threshold
from docintel.classify.training import measure
from docintel.samples import load_truth
from docintel.service import extract_file

TARGETS = {"accuracy": 0.97, "min_recall": 0.93, "unrelated_to_other": 0.90, "ms_per_page": 20.0, "load_ms": 300.0}
# A fresh process: importing docintel, then the first load (verify hashes, read the arrays; no
# scikit-learn: classify/linear.py).
_COLD_LOAD = (
    "import time; t0 = time.perf_counter(); from docintel.classify.model import current_model; "
    "t1 = time.perf_counter(); m = current_model(); t2 = time.perf_counter(); assert m is not None; "
    "print((t1 - t0) * 1000, (t2 - t1) * 1000)"
)


def _median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folder", type=Path)
    parser.add_argument("--per-class", type=int, default=24)
    parser.add_argument("--seed", type=int, default=303)
    parser.add_argument("--workers", type=int)
    args = parser.parse_args()
    model = current_model()
    if model is None:
        print("no valid classifier model (see the warning above)", file=sys.stderr)
        return 2
    if args.folder:
        pairs = labelled_folder(args.folder)
        where = str(args.folder)
    else:
        if args.seed == model.metadata.get("seed"):
            parser.error(f"seed {args.seed} is the model's training seed: pick another for a fresh set")
        folder = Path(tempfile.gettempdir()) / f"docintel-classify-{args.seed}-{args.per_class}"
        pairs = generate_balanced(folder, args.per_class, args.seed)
        where = f"fresh set, seed {args.seed}, {args.per_class} per type"
    layouts = {p.name: load_truth(p).meta.get("layout", "") for p, _ in pairs}
    started = time.perf_counter()
    examples, failed = examples_from_scans(pairs, workers=args.workers)
    read_s = time.perf_counter() - started

    # classification per document: feature extraction + the pipeline, timed one document at a time
    answers, per_page_ms = [], []
    for e in examples:
        t = time.perf_counter()
        answers.extend(predict_views(model, [feature_view(e.fields)]))
        per_page_ms.append((time.perf_counter() - t) * 1000 / max(1, int(e.fields.get("pages") or 1)))
    cutoff = threshold()
    unrelated = [e.label == OTHER for e in examples]
    ours = measure(examples, answers, cutoff, unrelated)
    # the title rule's answer is certain by construction: all its probability on one class
    title_rule = [decide({c: float(c == (e.fields.get("doc_type") or OTHER)) for c in CLASSES}, cutoff) for e in examples]
    base = measure(examples, title_rule, cutoff, unrelated)

    warm_load = _median_ms(lambda: load_model(model.directory), 5)
    cold = [[float(v) for v in subprocess.run([sys.executable, "-c", _COLD_LOAD], capture_output=True, text=True,
                                              check=True).stdout.split()] for _ in range(3)]
    # what a page costs without the classifier, for scale (3 pages read again, uncached)
    sample = [p for p, _ in pairs[:: max(1, len(pairs) // 3)]][:3]
    page_ms = statistics.median(_median_ms(lambda p=p: extract_file(p, classify=False), 1) / max(1, load_truth(p).pages) for p in sample)

    table = Table(title=f"Type classification on {len(examples)} documents ({where}); {model.origin} model, threshold {cutoff:g}")
    for column in ("measure", "classifier", "title rule (baseline)", "ratio", "target", "met"):
        table.add_column(column, justify="left" if column == "measure" else "right")

    def row(name: str, value: float, baseline: float | None, target: float | None, fmt: str, lower_better: bool = False) -> None:
        # times: what classification adds to a page; accuracies: how many times the baseline
        ratio = "" if not baseline else (f"+{value / baseline:.2%}" if lower_better else f"{value / baseline:.2f}×")
        met = "" if target is None else ("yes" if (value <= target if lower_better else value >= target) else "NO")
        table.add_row(name, format(value, fmt), "" if baseline is None else format(baseline, fmt), ratio,
                      "" if target is None else format(target, fmt), met)

    row("accuracy", ours.accuracy, base.accuracy, TARGETS["accuracy"], ".1%")
    for c in CLASSES:
        row(f"recall {c}", ours.per_class[c]["recall"], base.per_class[c]["recall"], TARGETS["min_recall"], ".3f")
    row("unrelated pages → other", ours.unrelated_to_other or 0.0, base.unrelated_to_other, TARGETS["unrelated_to_other"], ".1%")
    by_layout = Counter(layouts[e.name] for e in examples if e.label == OTHER)
    hits = Counter(layouts[e.name] for e, a in zip(examples, answers) if e.label == OTHER and a.doc_type == OTHER)
    for layout in sorted(by_layout):
        table.add_row(f"  {layout} → other", f"{hits[layout]}/{by_layout[layout]}", "", "", "", "")
    table.add_row("answers below threshold → other (flagged)", str(ours.low_confidence), "", "", "", "")
    row("classification ms / page (median)", statistics.median(per_page_ms), page_ms, TARGETS["ms_per_page"], ".1f", True)
    row("classification ms / page (max)", max(per_page_ms), page_ms, TARGETS["ms_per_page"], ".1f", True)
    table.add_row("  (baseline column here: OCR + extraction ms / page, 3 pages)", "", "", "", "", "")
    row("model load ms (verify hashes + read the arrays; median of 5)", warm_load, None, TARGETS["load_ms"], ".0f", True)
    row("model load ms, first in a fresh process", statistics.median(c[1] for c in cold), None, TARGETS["load_ms"], ".0f", True)
    row("  before it: importing docintel, ms", statistics.median(c[0] for c in cold), None, None, ".0f", True)
    table.add_row("files failed", str(len(failed)), "", "", "0", "yes" if not failed else "NO")
    table.add_row("reading the set (OCR, cached by content)", f"{read_s:.0f} s", "", "", "", "")
    Console(width=150).print(table)
    for e, a in zip(examples, answers):
        if a.doc_type != e.label:
            print(f"  miss {e.name} ({layouts[e.name]}): {e.label} → {a.doc_type} p={a.confidence:.2f} best guess {a.best_guess}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
