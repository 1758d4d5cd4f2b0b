"""The index follows the database: corrections, deletions, flags, a deleted or damaged index folder,
a writer killed while holding the lock, a writer that holds it too long, readers during a writer,
the CLI, and real scans ingested from samples/.

Runs on SQLite, and on PostgreSQL where the server is reachable (fixtures of tests/test_store.py).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from docintel.archive import ingest_paths
from docintel.cli import app
from docintel.search import SearchQuery, ensure_index, index_documents, index_status, rebuild_index, search
from docintel.settings import get_settings
from docintel.store.db import init_db, make_session_factory
from docintel.store.models import Document, Flag, FlagStatus
from tests.test_search import add_document, fill_archive
from tests.test_store import engine, migrated_postgres, postgres_schema  # noqa: F401  (fixtures)

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def _indexed_archive(engine: Engine, home: Path):  # noqa: F811
    sessions = make_session_factory(engine)
    with sessions() as session:
        ids = fill_archive(session)
    report = ensure_index(sessions, home)
    assert report.action == "rebuilt" and report.documents == len(ids)
    return sessions, home, ids


@pytest.fixture
def archive(engine: Engine, tmp_path: Path):  # noqa: F811
    """On SQLite and PostgreSQL: for what reads the database's state."""
    return _indexed_archive(engine, tmp_path / "home")


@pytest.fixture
def sqlite_archive(tmp_path: Path):
    """On SQLite only: for what concerns the index files, the same on every database."""
    engine = init_db(f"sqlite:///{tmp_path / 'docintel.db'}")  # noqa: F811
    yield _indexed_archive(engine, tmp_path / "home")
    engine.dispose()


@pytest.fixture
def settings_env(monkeypatch):
    """Set DOCINTEL_* variables for one test (settings are cached per process)."""

    def set_env(**values: str) -> None:
        for key, value in values.items():
            monkeypatch.setenv(f"DOCINTEL_{key.upper()}", value)
        get_settings.cache_clear()

    yield set_env
    get_settings.cache_clear()


def ids_for(archive, **params) -> set[int]:
    sessions, home, _ids = archive
    return {hit.id for hit in search(SearchQuery.parse(page_size=100, **params), sessions, home).hits}


def test_a_correction_is_reindexed_and_a_deletion_removed(archive) -> None:
    sessions, home, ids = archive
    doc_id = ids["exact"]
    assert doc_id in ids_for(archive, customer="上海恒达五金贸易有限公司")
    with sessions() as session, session.begin():
        session.get(Document, doc_id).customer = "宁波永固建材有限公司"  # a clerk's correction
    report = index_documents(sessions, [doc_id], home)
    assert (report.action, report.indexed) == ("updated", 1)
    assert doc_id not in ids_for(archive, customer="上海恒达五金贸易有限公司")
    assert doc_id in ids_for(archive, customer="永固建材")
    assert doc_id in ids_for(archive, text="永固")

    with sessions() as session, session.begin():
        session.delete(session.get(Document, doc_id))
    assert index_documents(sessions, [doc_id], home).removed == 1
    assert doc_id not in ids_for(archive, text="螺栓")
    assert index_status(sessions, home).out_of_step == 0


def test_a_resolved_flag_is_reindexed_or_caught_up_at_start_up(archive, caplog) -> None:
    sessions, home, ids = archive
    assert ids_for(archive, flag="QTY_MISMATCH") == {ids["english"]}
    with sessions() as session, session.begin():
        for flag in session.scalars(select(Flag).where(Flag.document_id == ids["english"])):
            flag.status = FlagStatus.RESOLVED
    assert ids_for(archive, flag="QTY_MISMATCH") == {ids["english"]}  # nobody told the index yet
    with caplog.at_level(logging.WARNING, logger="docintel.search"):
        report = ensure_index(sessions, home)  # the next start-up compares update stamps
    assert report.action == "updated" and report.indexed == 1
    assert "out of step with the database for 1 documents" in caplog.text
    assert ids_for(archive, flag="QTY_MISMATCH") == set()
    assert ensure_index(sessions, home).action == "none"


def test_documents_written_without_the_index_are_caught_up_at_start_up(archive) -> None:
    sessions, home, _ids = archive
    with sessions() as session:
        late = add_document(session, "b1", customer="温州顺昌电气设备有限公司", items=[("空气开关", "DZ47-63 C32")],
                            text="空气开关 DZ47-63 C32", date=None)
        session.commit()
    assert late.id not in ids_for(archive, text="空气开关")
    assert ensure_index(sessions, home).action == "updated"
    assert ids_for(archive, text="空气开关") == {late.id}


def test_a_deleted_index_folder_is_rebuilt_at_start_up_and_by_a_search(sqlite_archive, caplog) -> None:
    sessions, home, ids = sqlite_archive
    shutil.rmtree(home / "index")
    with caplog.at_level(logging.WARNING, logger="docintel.search"):
        assert ids_for(sqlite_archive, text="螺栓") == {ids["exact"], ids["misread"], ids["traditional"]}
    assert "search index rebuilt from the database (index missing (no index folder))" in caplog.text
    shutil.rmtree(home / "index")
    report = ensure_index(sessions, home)
    assert (report.action, report.documents) == ("rebuilt", len(ids))


@pytest.mark.parametrize("target", ["segments", "toc"])
def test_a_corrupted_index_is_rebuilt(sqlite_archive, caplog, target: str) -> None:
    sessions, home, ids = sqlite_archive
    files = [f for f in (home / "index").iterdir() if f.stat().st_size and (f.suffix == ".toc") == (target == "toc")]
    assert files
    for file in files:  # garbage of the same size, as a bad disk or a half-copied backup leaves it
        file.write_bytes(os.urandom(file.stat().st_size))
    assert index_status(sessions, home).problem
    with caplog.at_level(logging.WARNING, logger="docintel.search"):
        report = ensure_index(sessions, home)
    assert report.action == "rebuilt" and report.documents == len(ids)
    assert "search index rebuilt from the database (index " in caplog.text
    assert ids_for(sqlite_archive, customer="恒达五金") == {ids["exact"], ids["misread"], ids["lookalike"]}
    # damaged under a running reader: its next search notices, and the index is rebuilt
    for file in (home / "index").glob("*.seg"):
        file.write_bytes(os.urandom(file.stat().st_size))
    assert ids_for(sqlite_archive, text="水泥") == {ids["fullwidth"]}


HOLD_WRITER = """
import sys, time
from whoosh import index
from docintel.search.locks import file_lock
from pathlib import Path
home = Path(sys.argv[1])
with file_lock(home / "index.lock", exclusive=False, timeout=5, what="test"):
    writer = index.open_dir(str(home / "index")).writer()
    writer.delete_by_term("id", "1")  # half-way through an update
    print("holding", flush=True)
    time.sleep(60)
"""


def test_a_writer_killed_while_holding_the_lock_leaves_no_stale_lock(sqlite_archive, settings_env, caplog) -> None:
    sessions, home, ids = sqlite_archive
    settings_env(index_lock_timeout="5")
    holder = subprocess.Popen([sys.executable, "-c", HOLD_WRITER, str(home)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        os.kill(holder.pid, signal.SIGKILL)
    finally:
        holder.wait(timeout=10)
    (home / "index.build-deadbeef").mkdir()  # and a rebuild killed half-way
    with caplog.at_level(logging.WARNING, logger="docintel.search"):
        report = ensure_index(sessions, home)
    assert report.action == "none"
    assert not (home / "index.build-deadbeef").exists() and "interrupted index rebuild" in caplog.text
    started = time.monotonic()
    assert index_documents(sessions, [ids["exact"]], home).action == "updated"
    assert time.monotonic() - started < 5  # the kernel released the dead writer's lock
    assert ids["exact"] in ids_for(sqlite_archive, text="螺栓")  # its half-done delete was never committed


def test_a_busy_writer_leaves_updates_pending_not_lost(sqlite_archive, settings_env, caplog) -> None:
    sessions, home, ids = sqlite_archive
    settings_env(index_lock_timeout="0.3")
    with sessions() as session, session.begin():
        session.get(Document, ids["lookalike"]).customer = "杭州远航机电设备有限公司"
    from whoosh import index as whoosh_index

    writer = whoosh_index.open_dir(str(home / "index")).writer()  # another writer, alive and slow
    try:
        with caplog.at_level(logging.WARNING, logger="docintel.search"):
            report = index_documents(sessions, [ids["lookalike"]], home)
        assert (report.action, report.pending) == ("pending", 1)
        assert "left pending" in caplog.text
        assert index_status(sessions, home).pending == 1
    finally:
        writer.cancel()
    assert ids["lookalike"] not in ids_for(sqlite_archive, customer="远航机电")
    assert index_documents(sessions, [], home).indexed == 1  # the next update takes the pending id
    assert ids_for(sqlite_archive, customer="远航机电") == {ids["lookalike"]}
    assert index_status(sessions, home).pending == 0


def test_readers_search_while_a_writer_updates(sqlite_archive) -> None:
    sessions, home, ids = sqlite_archive
    errors: list[str] = []
    totals: list[int] = []
    done = threading.Event()

    def reader() -> None:
        try:
            while not done.is_set():
                totals.append(search(SearchQuery(text="螺栓"), sessions, home).total)
        except BaseException:  # noqa: BLE001  (reported below)
            errors.append(traceback.format_exc())

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        with sessions() as session:
            new = [add_document(session, f"c{i}", customer="东莞利民五金贸易商行", items=[("不锈钢六角螺栓", "M8×30")],
                                text=f"不锈钢六角螺栓 第{i}批", date=None) for i in range(30)]
            session.commit()
        for start in range(0, 30, 5):
            assert index_documents(sessions, [d.id for d in new[start : start + 5]], home).indexed == 5
    finally:
        done.set()
        for thread in threads:
            thread.join(timeout=30)
    assert not errors, errors[0]
    assert totals and min(totals) >= 3 and max(totals) <= 33
    assert search(SearchQuery(text="螺栓"), sessions, home).total == 33


def test_cli_search_index_rebuild_and_status(tmp_path: Path, settings_env) -> None:
    home = tmp_path / "home"
    engine = init_db(f"sqlite:///{home / 'docintel.db'}")
    with make_session_factory(engine)() as session:
        ids = fill_archive(session)
    engine.dispose()
    settings_env(home=str(home))
    runner = CliRunner()
    found = runner.invoke(app, ["search", "螺栓", "--customer", "恒达五金", "--from", "2024-03", "--to", "2024-03", "--json"])
    assert found.exit_code == 0, found.output
    results = json.loads(found.stdout)
    assert [hit["id"] for hit in results["hits"]] == [ids["exact"], ids["misread"]]
    assert results["hits"][0]["highlights"] and results["facets"]["doc_type"][0]["value"] == "signoff_receipt"

    table = runner.invoke(app, ["search", "水泥"])
    assert table.exit_code == 0 and "苏州鑫源建材有限公司" in table.stdout

    bad = runner.invoke(app, ["search", '螺栓 "恒达', "--json"])
    assert bad.exit_code == 2
    assert json.loads(bad.stdout)["error"]["code"] == "INVALID_QUERY"
    bad_date = runner.invoke(app, ["search", "螺栓", "--from", "2024-02-30"])
    assert bad_date.exit_code == 2 and "INVALID_QUERY" in bad_date.output and "Traceback" not in bad_date.output
    too_long = runner.invoke(app, ["search", "螺" * 300])
    assert too_long.exit_code == 2 and "limit is 200" in too_long.output

    rebuilt = runner.invoke(app, ["index", "rebuild", "--json"])
    assert rebuilt.exit_code == 0 and json.loads(rebuilt.stdout)["indexed"] == len(ids)
    status = json.loads(runner.invoke(app, ["index", "status", "--json"]).stdout)
    assert (status["documents_in_database"], status["documents_in_index"], status["out_of_step"]) == (len(ids), len(ids), 0)


@pytest.mark.slow
def test_scans_ingested_from_samples_are_searchable(tmp_path: Path) -> None:
    home = tmp_path / "home"
    engine = init_db(f"sqlite:///{home / 'docintel.db'}")
    sessions = make_session_factory(engine)
    scans = [SAMPLES / "0013_signoff_receipt.png", SAMPLES / "0002_invoice.jpg"]  # Chinese and English
    summary = ingest_paths(scans, sessions, home, workers=1)
    assert summary.ingested == 2
    assert (home / "index").is_dir()  # ingest indexed what it stored
    with sessions() as session:
        documents = session.scalars(select(Document)).all()
    for document in documents:
        assert document.customer, document.original_filename
        hits = search(SearchQuery(customer=document.customer), sessions, home).hits
        assert hits[0].id == document.id
        product = document.fields["items"][0]["product"]  # as OCR read it
        assert document.id in {h.id for h in search(SearchQuery(text=product), sessions, home).hits}
    assert rebuild_index(sessions, home) == 2
    engine.dispose()


def test_an_empty_archive_has_an_empty_index(tmp_path: Path) -> None:
    engine = init_db(f"sqlite:///{tmp_path / 'docintel.db'}")  # noqa: F811
    sessions = make_session_factory(engine)
    assert ensure_index(sessions, tmp_path).action == "rebuilt"
    results = search(SearchQuery(text="螺栓"), sessions, tmp_path)
    assert (results.total, results.hits, results.facets["customer"]) == (0, [], [])
    assert ensure_index(sessions, tmp_path).action == "none"
    engine.dispose()
