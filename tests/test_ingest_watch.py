"""`docintel ingest --watch`: a real process polls a folder, ingests a scan once it is complete,
keeps running, and on Ctrl-C prints the summary of what it did."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from docintel.archive.watch import watch_batches
from docintel.store.models import Document

SCAN = Path(__file__).resolve().parent.parent / "samples" / "0013_signoff_receipt.png"


def _documents(database: Path) -> list[str]:
    if not database.exists():
        return []
    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            return list(connection.scalars(select(Document.original_filename)))
    except Exception:  # the schema is still being created by the watcher
        return []
    finally:
        engine.dispose()


@pytest.mark.slow
def test_watch_ingests_completed_files_until_interrupted(tmp_path: Path) -> None:
    inbox, home = tmp_path / "inbox", tmp_path / "home"
    inbox.mkdir()
    env = {**os.environ, "DOCINTEL_HOME": str(home), "DOCINTEL_WATCH_INTERVAL": "0.3", "DOCINTEL_WORKERS": "1"}
    env.pop("DOCINTEL_DATABASE_URL", None)
    watcher = subprocess.Popen(
        [sys.executable, "-m", "docintel", "ingest", str(inbox), "--watch", "--json"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        partial = inbox / "scan.png.part"  # a scanner still writing: never picked up under this name
        partial.write_bytes(SCAN.read_bytes()[:2000])
        time.sleep(1.5)
        assert _documents(home / "docintel.db") == []
        shutil.copy(SCAN, partial)
        partial.rename(inbox / "scan.png")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not _documents(home / "docintel.db"):
            assert watcher.poll() is None, watcher.stderr.read()
            time.sleep(0.5)
        assert _documents(home / "docintel.db") == [str(inbox / "scan.png")]
        assert watcher.poll() is None  # still watching
    finally:
        watcher.send_signal(signal.SIGINT)
        out, err = watcher.communicate(timeout=60)
    assert watcher.returncode == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["interrupted"] is True
    assert [Path(o["file"]).name for o in summary["outcomes"]] == ["scan.png"]
    assert summary["outcomes"][0]["outcome"] == "ingested"


def test_watch_batches_end_once_stopped_without_another_sleep(tmp_path: Path) -> None:
    stop = threading.Event()
    naps: list[float] = []

    def nap(seconds: float) -> None:
        naps.append(seconds)
        stop.set()  # Ctrl-C arrives while the watcher sleeps

    assert list(watch_batches(tmp_path, 0.3, sleep=nap, stopped=stop.is_set)) == []
    assert naps == [0.3]
