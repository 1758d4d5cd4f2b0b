"""Which files in a folder are scans. The rule, in one place (documented in the README):

- hidden files and folders (name starts with '.') are skipped: .DS_Store, ._resource forks, .git;
- operating-system and scanner litter is skipped by name: Thumbs.db, desktop.ini;
- files whose suffix says they are data or text, not scans, are skipped (.json truth files,
  .csv order books, .txt, .md, .xlsx …);
- everything else is a candidate scan, and its content decides: a file that is not a readable
  image or PDF is reported with an error code, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

IGNORED_NAMES = frozenset({"thumbs.db", "desktop.ini", "ehthumbs.db", "icon\r"})
IGNORED_SUFFIXES = frozenset(
    {".json", ".csv", ".tsv", ".txt", ".md", ".xlsx", ".xls", ".xml", ".html", ".htm", ".log", ".ini", ".yaml", ".yml", ".toml", ".db", ".sqlite", ".part", ".tmp", ".crdownload"}
)


def is_ignored(path: Path) -> bool:
    name = path.name
    return name.startswith(".") or name.lower() in IGNORED_NAMES or path.suffix.lower() in IGNORED_SUFFIXES


def scan_files(folder: Path) -> Iterator[Path]:
    """Candidate scans below `folder`, recursively, in a stable (sorted) order."""
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.is_file() and not is_ignored(path):
            yield path


def expand_inputs(inputs: Iterable[Path]) -> list[Path]:
    """Files as given (whatever their name: the user asked for them), folders expanded."""
    out: list[Path] = []
    for item in inputs:
        out.extend(scan_files(item) if item.is_dir() else [item])
    return out
