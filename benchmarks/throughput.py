"""Pages per minute of `docintel extract` against the plain `tesseract` command on the same
images, in the same run, both using every core (one single-threaded tesseract per core).

    python benchmarks/throughput.py [--pages 24] [--seed 11] [--workers 2] [--rounds 3]

Target: the work beyond tesseract costs at most 15% of tesseract's own time. The two runs take
turns, `--rounds` times each, and the fastest of each is compared: on these shared machines a run
can take 25% longer than the same run a minute before, and taking turns lets both meet the same
slow spells.
A second table breaks one worker's time down by stage (preprocessing steps, tesseract, extraction).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rich.console import Console
from rich.table import Table

from docintel.extract import extract_fields
from docintel.ingest import load_document
from docintel.ocr import ocr_document
from docintel.samples import generate_samples
from docintel.settings import get_settings

TARGET_OVERHEAD = 0.15
SINGLE_PAGE_KINDS = ("signoff_receipt", "sales_slip", "invoice")
# The plain command a user would otherwise run: default page segmentation, Chinese + English.
BASELINE_LANG = "chi_sim+eng"


def tesseract_baseline(images: list[Path], lang: str, workers: int) -> float:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def run(path: Path) -> None:
        subprocess.run(["tesseract", str(path), "stdout", "-l", lang],
                       check=True, capture_output=True, env=env)

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(run, images))
    return time.perf_counter() - started


def docintel_cli(images: list[Path], workers: int) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "docintel", "extract", "--json", "--workers", str(workers), *map(str, images)],
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"docintel extract failed: {done.stderr[-2000:]}")
    return elapsed


def stage_breakdown(images: list[Path], lang: str) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    for path in images:
        t0 = time.perf_counter()
        document = load_document(path)
        totals["load"] += time.perf_counter() - t0
        pages = ocr_document(document, lang)
        for page in pages:
            for step in page.steps:
                totals[step.name] += step.ms / 1000
        t1 = time.perf_counter()
        extract_fields(str(path), pages)
        totals["extract (fields, table, seal, signature, codes)"] += time.perf_counter() - t1
    return dict(totals)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=24)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--breakdown-pages", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    settings = get_settings()
    folder = Path(tempfile.mkdtemp(prefix="docintel-tp-"))
    generate_samples(folder, args.pages, args.seed, with_orders=False, kinds=SINGLE_PAGE_KINDS)
    images = sorted(p for p in folder.iterdir() if p.suffix.lower() in {".jpg", ".png"})

    baselines, runs = [], []
    for _ in range(args.rounds):
        baselines.append(tesseract_baseline(images, BASELINE_LANG, args.workers))
        runs.append(docintel_cli(images, args.workers))
    baseline, ours = min(baselines), min(runs)
    overhead = ours / baseline - 1

    console = Console()
    table = Table(title=f"Throughput on {len(images)} pages, {args.workers} workers, fastest of {args.rounds} rounds")
    for column in ("run", "seconds", "all rounds", "pages/min", "vs tesseract"):
        table.add_column(column, justify="right")
    table.add_row(f"tesseract -l {BASELINE_LANG} (baseline)", f"{baseline:.1f}", " ".join(f"{t:.1f}" for t in baselines),
                  f"{60 * len(images) / baseline:.1f}", "1.00")
    table.add_row("docintel extract --json", f"{ours:.1f}", " ".join(f"{t:.1f}" for t in runs),
                  f"{60 * len(images) / ours:.1f}", f"{ours / baseline:.2f}")
    table.add_row("work beyond tesseract", "", "", "", f"{overhead:+.0%} (target ≤ {TARGET_OVERHEAD:.0%}: {'met' if overhead <= TARGET_OVERHEAD else 'NOT met'})")
    console.print(table)

    parts = stage_breakdown(images[: args.breakdown_pages], settings.ocr_lang)
    whole = sum(parts.values())
    ocr = sum(v for k, v in parts.items() if k.startswith("tesseract"))
    detail = Table(title=f"Where one worker's time goes ({args.breakdown_pages} pages)")
    for column in ("stage", "seconds", "share"):
        detail.add_column(column, justify="right")
    for name, seconds in sorted(parts.items(), key=lambda kv: -kv[1]):
        detail.add_row(name, f"{seconds:.2f}", f"{seconds / whole:.0%}")
    detail.add_row("all tesseract passes", f"{ocr:.2f}", f"{ocr / whole:.0%}")
    detail.add_row("everything else (prepare, extract)", f"{whole - ocr:.2f}",
                   f"{(whole - ocr) / ocr:+.0%} of the tesseract passes")
    console.print(detail)
    return 0


if __name__ == "__main__":
    sys.exit(main())
