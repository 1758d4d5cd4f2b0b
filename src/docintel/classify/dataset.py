"""Labelled examples for the classifier: generated scans read by the real OCR, cached by content.

OCR costs seconds a page, so each scan's extraction result (the `extract --json` dict) is cached
under ``DOCINTEL_HOME/cache/ocr/`` keyed by the scan's SHA-256 and the OCR language: generation
is deterministic, so re-training on the same seed reads no page twice.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from docintel.classify.classes import CLASSES
from docintel.digests import sha256_of
from docintel.settings import get_settings

# Bump when the cached dict's shape changes, so old entries are not read as new ones.
_CACHE_VERSION = 1
_GENERATED_MARKER = "generated.json"


@dataclass(frozen=True)
class Example:
    """One labelled document: what extraction returned for it and its true type."""

    name: str  # file name (generated) or "archive:<id>"
    fields: dict
    label: str
    source_hash: str  # sha256 of the scan


def cache_dir() -> Path:
    return get_settings().home / "cache" / "ocr"


def _cache_path(root: Path, sha: str, lang: str) -> Path:
    return root / sha[:2] / f"{sha}.{lang.replace('+', '_')}.v{_CACHE_VERSION}.json"


def extract_cached(
    paths: Sequence[Path],
    *,
    lang: str | None = None,
    workers: int | None = None,
    cache: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[dict | None]:
    """The `extract --json` dict of each scan, in order (None where extraction failed).

    Scans already in the cache are not read again; the others run on a process pool. The dicts
    keep the title rule's doc_type (classify=False): the classifier's baseline, never its input.
    """
    from docintel.service import ExtractionFailure, extract_files

    root = cache or cache_dir()
    lang = lang or get_settings().ocr_lang
    shas = [sha256_of(Path(p)) for p in paths]
    results: list[dict | None] = [None] * len(paths)
    todo: list[int] = []
    for i, sha in enumerate(shas):
        cached = _cache_path(root, sha, lang)
        if cached.is_file():
            results[i] = json.loads(cached.read_text(encoding="utf-8"))
        else:
            todo.append(i)
    done = len(paths) - len(todo)
    if progress:
        progress(done, len(paths))
    for i, result in zip(todo, extract_files([Path(paths[i]) for i in todo], lang=lang, workers=workers, classify=False)):
        done += 1
        if progress:
            progress(done, len(paths))
        if isinstance(result, ExtractionFailure):
            continue  # not cached: a failure (a missing tesseract) must be retried next time
        fields = result.contract_dict()
        target = _cache_path(root, shas[i], lang)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(fields, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, target)
        results[i] = fields
    return results


def class_seed(seed: int, doc_type: str) -> int:
    """Each class is generated on its own seed, so the classes do not share content draws."""
    return seed * 10 + CLASSES.index(doc_type)


def generate_balanced(out_dir: Path, per_class: int, seed: int) -> list[tuple[Path, str]]:
    """``per_class`` scans of every class (one sub-folder each): (scan, true type) pairs.

    The natural class mix of the generator has few statements and invoices; a classifier needs
    enough of each. Deterministic in (per_class, seed).
    """
    from docintel.samples import generate_samples, load_truth

    pairs: list[tuple[Path, str]] = []
    for doc_type in CLASSES:
        folder = Path(out_dir) / doc_type
        marker = folder / _GENERATED_MARKER
        wanted = {"per_class": per_class, "seed": class_seed(seed, doc_type), "kind": doc_type}
        if marker.is_file() and json.loads(marker.read_text(encoding="utf-8")) == wanted:
            paths = [folder / load_truth(t).file for t in sorted(folder.glob("[0-9]*.json"))]
        else:  # generation is deterministic: a complete earlier run of the same parameters is reused
            paths = generate_samples(folder, per_class, wanted["seed"], with_orders=False, kinds=[doc_type])
            marker.write_text(json.dumps(wanted), encoding="utf-8")
        pairs.extend((p, doc_type) for p in paths)
    return pairs


def labelled_folder(folder: Path) -> list[tuple[Path, str]]:
    """(scan, true type) for every scan with a ground-truth JSON beside it, below ``folder``."""
    from docintel.samples import load_truth

    pairs = []
    for truth_path in sorted(Path(folder).rglob("*.json")):
        try:
            truth = load_truth(truth_path)
        except ValueError:
            continue  # orders.csv's neighbours, reports: not ground truth
        scan = truth_path.parent / truth.file
        if scan.is_file() and truth.doc_type:
            pairs.append((scan, truth.doc_type))
    return pairs


def examples_from_scans(
    pairs: Sequence[tuple[Path, str]],
    *,
    workers: int | None = None,
    cache: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[Example], list[Path]]:
    """Read every scan (cached) and pair it with its label; also the scans that failed."""
    fields = extract_cached([p for p, _ in pairs], workers=workers, cache=cache, progress=progress)
    examples, failed = [], []
    for (path, label), result in zip(pairs, fields):
        if result is None:
            failed.append(path)
        else:
            examples.append(Example(Path(path).name, result, label, sha256_of(Path(path))))
    return examples, failed
