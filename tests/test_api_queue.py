"""The processing queue behind the HTTP API: claims are exactly-once on SQLite and PostgreSQL, and
queued or half-processed uploads survive a restart (and a SIGKILL) of the service."""

from __future__ import annotations

import hashlib
import io
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image, ImageDraw
from sqlalchemy import Engine, select

from docintel.queue import Dispatcher, claim_next, enqueue_file, requeue
from docintel.settings import Settings
from docintel.store.db import init_db, make_engine, make_session_factory
from docintel.store.models import ApiKeyRole, Document, DocumentStatus
from tests.api_server import ApiServer, database_of, make_keys
from tests.test_store import engine, migrated_postgres, postgres_schema  # noqa: F401  (fixtures)

SCAN = Path(__file__).resolve().parent.parent / "samples" / "0013_signoff_receipt.png"


def _small_png(seed: int) -> bytes:
    """A small page with a few printed words: OCR reads it in well under a second."""
    image = Image.fromarray(np.full((160, 480, 3), 255, np.uint8))
    ImageDraw.Draw(image).text((20, 60), f"DELIVERY NOTE {seed}", fill=(0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _enqueue(database: Engine, home: Path, data: bytes, name: str):
    path = home / f"upload-{hashlib.sha256(data).hexdigest()[:8]}.png"
    path.write_bytes(data)
    return enqueue_file(
        make_session_factory(database), home, path, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
        filename=name, mime_type="image/png",
    )


def test_each_queued_document_is_claimed_exactly_once(engine: Engine, tmp_path: Path) -> None:  # noqa: F811
    queued = [_enqueue(engine, tmp_path, _small_png(i), f"{i}.png") for i in range(12)]
    assert [q.duplicate for q in queued] == [False] * 12
    again = _enqueue(engine, tmp_path, _small_png(3), "same-bytes.png")
    assert (again.duplicate, again.document_id) == (True, queued[3].document_id)
    sessions = make_session_factory(engine)
    claimed: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        while (job := claim_next(sessions, tmp_path)) is not None:
            with lock:
                claimed.append(job.document_id)
            assert job.original.is_file()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == sorted(q.document_id for q in queued)  # every one, none twice
    with sessions() as session:
        statuses = set(session.scalars(select(Document.status)))
    assert statuses == {DocumentStatus.PROCESSING}
    # A restart puts what a dead service left in processing back in the queue, oldest first.
    assert requeue(sessions) == 12
    assert claim_next(sessions, tmp_path).document_id == min(claimed)


def _wait_until_finished(http: httpx.Client, ids: list[int], seconds: float = 180) -> dict[int, dict]:
    deadline = time.monotonic() + seconds
    while True:
        documents = {i: http.get(f"/api/v1/documents/{i}").json() for i in ids}
        if all(d["status"] in ("done", "failed") for d in documents.values()):
            return documents
        assert time.monotonic() < deadline, documents
        time.sleep(0.5)


def _statuses(home: Path) -> dict[int, str]:
    database = make_engine(database_of(home))
    try:
        with make_session_factory(database)() as session:
            return dict(session.execute(select(Document.id, Document.status)).all())
    finally:
        database.dispose()


def test_uploads_queued_while_no_worker_runs_are_read_after_a_restart(tmp_path: Path) -> None:
    keys = make_keys(tmp_path, {"station": ApiKeyRole.STATION})
    with ApiServer(tmp_path, workers=0) as accepting, accepting.client(keys["station"]) as http:
        response = http.post(
            "/api/v1/documents",
            files=[("files", ("a.png", _small_png(1))), ("files", ("b.png", _small_png(2)[:200]))],
        )
        assert response.status_code == 202
        ids = [d["id"] for d in response.json()["documents"]]
        time.sleep(1.5)  # nothing reads them in this service
        assert [http.get(f"/api/v1/documents/{i}").json()["status"] for i in ids] == ["queued", "queued"]
        assert "docintel_queue_depth 2.0" in http.get("/metrics").text
    with ApiServer(tmp_path, workers=1) as reading, reading.client(keys["station"]) as http:
        documents = _wait_until_finished(http, ids)
        assert documents[ids[0]]["status"] == "done" and documents[ids[0]]["fields"]["pages"] == 1
        assert documents[ids[1]]["status"] == "failed" and documents[ids[1]]["error"]["code"] == "CORRUPT_IMAGE"
        assert "docintel_queue_depth 0.0" in http.get("/metrics").text


@pytest.mark.slow
def test_a_service_killed_while_reading_loses_nothing(tmp_path: Path) -> None:
    keys = make_keys(tmp_path, {"station": ApiKeyRole.STATION})
    server = ApiServer(tmp_path, workers=1).start()
    try:
        with server.client(keys["station"]) as http:
            ids = [http.post("/api/v1/documents", files={"files": (name, data)}).json()["documents"][0]["id"]
                   for name, data in (("scan.png", SCAN.read_bytes()), ("small.png", _small_png(7)))]
            deadline = time.monotonic() + 60
            while http.get(f"/api/v1/documents/{ids[0]}").json()["status"] != "processing":
                assert time.monotonic() < deadline
                time.sleep(0.1)
    finally:
        server.stop(kill=True)  # SIGKILL: no shutdown code runs
    assert _statuses(tmp_path) == {ids[0]: "processing", ids[1]: "received"}
    with ApiServer(tmp_path, workers=1) as restarted, restarted.client(keys["station"]) as http:
        documents = _wait_until_finished(http, ids)
    assert [documents[i]["status"] for i in ids] == ["done", "done"]
    assert documents[ids[0]]["fields"]["doc_no"]
    assert len(_statuses(tmp_path)) == 2  # nothing lost, nothing stored twice


@pytest.mark.slow
def test_a_worker_process_that_dies_costs_no_document(tmp_path: Path) -> None:
    """A worker killed under a document (out of memory, a crash in native code): the document goes
    back in the queue and a new pool reads it."""
    database = init_db(make_engine(database_of(tmp_path)))
    sessions = make_session_factory(database)
    done: list[int] = []
    dispatcher = Dispatcher(sessions, tmp_path, workers=1, settings=Settings(home=tmp_path), on_done=done.append)
    try:
        queued = _enqueue(database, tmp_path, SCAN.read_bytes(), "scan.png")
        dispatcher.start()
        deadline = time.monotonic() + 60
        while not (dispatcher._pool and dispatcher._pool._processes and dispatcher.in_flight):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        for process in list(dispatcher._pool._processes.values()):
            process.kill()
        while not done:
            assert time.monotonic() < deadline + 120
            time.sleep(0.2)
    finally:
        dispatcher.stop()
        database.dispose()
    assert done == [queued.document_id]
    assert _statuses(tmp_path)[queued.document_id] in ("extracted", "matched", "needs_review")  # read, not failed
