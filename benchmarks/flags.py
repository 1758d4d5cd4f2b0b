"""Precision/recall per flag code against the flags the sample generator planted.

    .venv/bin/python benchmarks/flags.py [DIR]            # documents as the ground truth says
    .venv/bin/python benchmarks/flags.py DIR --ocr        # documents as docintel extract reads them
    .venv/bin/python benchmarks/flags.py --generate 200 --seed 31 [--ocr]

DIR defaults to samples/. With --ocr every flag raised counts, so flags caused by misreading
(TOTAL_MISMATCH, a NO_MATCH from a misread number) show up as false positives. The generator
cannot plant a doubt, so LOW_CONFIDENCE is judged against the truth: right when the field it names
was misread, missed when a misread field the match relies on (or the type) was not doubted.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from docintel.extract.records import ExtractedDocument
from docintel.flags.evaluation import evaluate_samples
from docintel.orders.lexicon import order_book_lexicon
from docintel.samples import generate_samples
from docintel.service import ExtractionFailure, extract_files


def read_all(directory: Path) -> dict[str, ExtractedDocument]:
    """Every scan as `docintel ingest` reads it: names snapped to the order book's spellings."""
    scans = sorted(p for p in directory.iterdir() if p.suffix.lower() in {".jpg", ".png", ".tif", ".pdf"})
    lexicon = order_book_lexicon(directory / "orders.csv")
    return {Path(r.file).name: r for r in extract_files(scans, lexicon=lexicon) if not isinstance(r, ExtractionFailure)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", nargs="?", type=Path)
    parser.add_argument("--ocr", action="store_true", help="score what extraction reads, not the ground truth")
    parser.add_argument("--generate", type=int, metavar="N", help="generate N fresh documents first")
    parser.add_argument("--seed", type=int, default=31)
    args = parser.parse_args()
    if args.generate:
        directory = args.directory or Path(tempfile.mkdtemp(prefix="docintel-flags-"))
        generate_samples(directory, args.generate, args.seed)
    else:
        directory = args.directory or Path(__file__).resolve().parent.parent / "samples"
    documents = read_all(directory) if args.ocr else None
    scores = evaluate_samples(directory, documents=documents)
    source = "docintel extract" if args.ocr else "ground truth"
    print(f"flags on {directory} (documents read by: {source})")
    print(f"{'code':<20}{'tp':>5}{'fp':>5}{'fn':>5}{'precision':>11}{'recall':>8}")
    for code in scores.codes():
        print(f"{code:<20}{scores.tp[code]:>5}{scores.fp[code]:>5}{scores.fn[code]:>5}{scores.precision(code):>11.2f}{scores.recall(code):>8.2f}")
    print(f"order chosen correctly: {scores.order_correct}/{scores.order_total}")
    for o in scores.outcomes:
        if o.expected != o.found:
            print(f"  {o.file}: expected {sorted(o.expected, key=str)} found {sorted(o.found, key=str)}")


if __name__ == "__main__":
    main()
