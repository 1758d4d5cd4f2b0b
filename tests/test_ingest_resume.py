"""Crash safety for real: SIGKILL `ingest` after its first committed document, run it again.

The second run must finish the rest: every scan once in the Document table, every original once
in the archive with the right bytes, nothing from the first run stored twice.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from docintel.archive.originals import archive_relative_path, extension_of
from docintel.ingest.folder import scan_files
from docintel.samples import generate_samples

SCAN_COUNT = 6
FIRST_COMMIT_TIMEOUT_S = 120


def _ingest(folder: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "docintel.archive", "ingest", str(folder), "--workers", "1", "--json"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,  # its own process group, so the kill takes its worker too
    )


def _committed(database: Path) -> int:
    if not database.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as connection:
            return connection.execute("SELECT count(*) FROM documents").fetchone()[0]
    except sqlite3.OperationalError:  # not migrated yet, or busy
        return 0


def test_a_killed_ingest_resumes_without_duplicates_or_gaps(tmp_path: Path) -> None:
    folder = tmp_path / "scans"
    generate_samples(folder, SCAN_COUNT, seed=4242)
    scans = list(scan_files(folder))
    assert len(scans) == SCAN_COUNT  # truth .json files and orders.csv are litter to the folder rule
    home = tmp_path / "home"
    database = home / "docintel.db"
    env = {k: v for k, v in os.environ.items() if k != "DOCINTEL_DATABASE_URL"} | {"DOCINTEL_HOME": str(home)}

    first = _ingest(folder, env)
    deadline = time.monotonic() + FIRST_COMMIT_TIMEOUT_S
    try:
        while _committed(database) < 1:
            assert first.poll() is None, f"ingest ended before the kill: {first.communicate()}"
            assert time.monotonic() < deadline, "no document committed in time"
            time.sleep(0.05)
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.communicate()
    assert first.returncode == -signal.SIGKILL
    after_kill = _committed(database)
    assert 1 <= after_kill < SCAN_COUNT, "the kill must land mid-run for this test to mean anything"

    second = _ingest(folder, env)
    out, err = second.communicate(timeout=600)
    assert second.returncode in (0, 1), err
    summary = json.loads(out)
    assert summary["interrupted"] is False
    assert summary["files"] == SCAN_COUNT
    assert summary["ingested"] + summary["failed"] == SCAN_COUNT - after_kill
    assert summary["duplicates"] == after_kill

    expected = {hashlib.sha256(p.read_bytes()).hexdigest(): p for p in scans}
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT sha256, original_filename, status FROM documents").fetchall()
    hashes = [sha for sha, _, _ in rows]
    assert sorted(hashes) == sorted(expected)  # each scan exactly once
    for sha, path in expected.items():
        archived = home / archive_relative_path(sha, extension_of(path))
        failed = any(s == sha and status == "failed" for s, _, status in rows)
        assert failed or hashlib.sha256(archived.read_bytes()).hexdigest() == sha
    archive_files = [p for p in (home / "archive").rglob("*") if p.is_file() and not p.name.endswith(".tmp")]
    assert len(archive_files) == len({p.name for p in archive_files})  # no original stored twice
