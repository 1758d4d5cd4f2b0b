"""Precision/recall per flag code on a samples directory's ground truth (default: samples/).

    .venv/bin/python benchmarks/flags.py [DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

from docintel.flags.evaluation import evaluate_samples


def main() -> None:
    directory = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "samples"
    scores = evaluate_samples(directory)
    print(f"{'code':<20}{'tp':>5}{'fp':>5}{'fn':>5}{'precision':>11}{'recall':>8}")
    for code in scores.codes():
        print(f"{code:<20}{scores.tp[code]:>5}{scores.fp[code]:>5}{scores.fn[code]:>5}{scores.precision(code):>11.2f}{scores.recall(code):>8.2f}")
    print(f"order chosen correctly: {scores.order_correct}/{scores.order_total}")
    for o in scores.outcomes:
        if o.expected != o.found:
            print(f"  {o.file}: expected {sorted(o.expected, key=str)} found {sorted(o.found, key=str)}")


if __name__ == "__main__":
    main()
