"""/healthz checks and /metrics (Prometheus text format).

Metrics are read from the database at each scrape, not counted in this process: the queue is the
database, so the numbers stay right across restarts and whichever process did the work.
prometheus_client writes the exposition format (escaping, histogram series) for us.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from sqlalchemy import case, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from docintel.api.schemas import HealthCheck
from docintel.queue import Dispatcher
from docintel.store.models import Document, DocumentStatus, Flag, FlagStatus

METRICS_CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
# Seconds; one page reads in 2-10 s on one core, a long PDF in minutes.
PROCESSING_BUCKETS = (1, 2, 5, 10, 20, 30, 60, 120, 300, 600)
_TESSERACT_TIMEOUT_SECONDS = 10


class _ArchiveCollector:
    def __init__(self, session_factory: sessionmaker[Session], dispatcher: Dispatcher | None):
        self.session_factory = session_factory
        self.dispatcher = dispatcher

    def collect(self):
        with self.session_factory() as session:
            by_status = dict(session.execute(select(Document.status, func.count(Document.id)).group_by(Document.status)).all())
            flags = session.execute(
                select(Flag.code, func.count(Flag.id)).where(Flag.status == FlagStatus.OPEN).group_by(Flag.code).order_by(Flag.code)
            ).all()
            # One pass over the processed documents for every bucket of the histogram.
            done = Document.processing_ms.is_not(None)
            row = session.execute(
                select(
                    func.count(Document.id),
                    func.coalesce(func.sum(Document.processing_ms), 0),
                    *[func.sum(case((Document.processing_ms <= bound * 1000, 1), else_=0)) for bound in PROCESSING_BUCKETS],
                ).where(done)
            ).one()
        documents = GaugeMetricFamily("docintel_documents", "Documents in the archive by status.", labels=["status"])
        for status in DocumentStatus:
            documents.add_metric([status.value], by_status.get(status, 0))
        yield documents
        yield GaugeMetricFamily("docintel_queue_depth", "Uploaded documents waiting to be read.", value=by_status.get(DocumentStatus.RECEIVED, 0))
        yield GaugeMetricFamily(
            "docintel_queue_in_flight", "Documents being read by this service's workers.",
            value=self.dispatcher.in_flight if self.dispatcher else 0,
        )
        open_flags = GaugeMetricFamily("docintel_open_flags", "Open flags by code.", labels=["code"])
        for code, count in flags:
            open_flags.add_metric([code], count)
        yield open_flags
        count, total_ms, *cumulative = row
        buckets = [(str(float(bound)), int(n or 0)) for bound, n in zip(PROCESSING_BUCKETS, cumulative, strict=True)]
        buckets.append(("+Inf", int(count)))
        yield HistogramMetricFamily(
            "docintel_processing_seconds", "Time from a worker claiming a document to its result being stored.",
            buckets=buckets, sum_value=float(total_ms) / 1000,
        )


def metrics_text(session_factory: sessionmaker[Session], dispatcher: Dispatcher | None) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_ArchiveCollector(session_factory, dispatcher))
    return generate_latest(registry)


def check_database(session_factory: sessionmaker[Session]) -> HealthCheck:
    try:
        with session_factory() as session:
            session.execute(text("SELECT 1"))
    except Exception as error:  # any failure to reach it is the answer, not a crash
        return HealthCheck(ok=False, detail=f"{type(error).__name__}: {str(error)[:200]}")
    return HealthCheck(ok=True, detail="reachable")


def check_tesseract() -> HealthCheck:
    binary = shutil.which("tesseract")
    if binary is None:
        return HealthCheck(ok=False, detail="tesseract is not installed")
    try:
        done = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=_TESSERACT_TIMEOUT_SECONDS)
    except (OSError, subprocess.TimeoutExpired) as error:
        return HealthCheck(ok=False, detail=f"tesseract --version failed: {error}")
    first_line = (done.stdout or done.stderr).strip().splitlines()[:1]
    return HealthCheck(ok=done.returncode == 0, detail=first_line[0] if first_line else f"exit code {done.returncode}")


def check_index(home: Path) -> HealthCheck | None:
    """The search index opens and is of this version (None when the search stage is not installed)."""
    try:
        from docintel.search.store import IndexPaths, IndexProblem, open_index
    except ImportError:
        return None
    paths = IndexPaths.of(home)
    try:
        ix = open_index(paths.directory)
    except IndexProblem as problem:
        return HealthCheck(ok=False, detail=f"the index is {problem.reason}")
    try:
        count = ix.doc_count()
    finally:
        ix.close()
    pending = len(paths.pending.read_text().split()) if paths.pending.is_file() else 0
    return HealthCheck(ok=True, detail=f"{count} document(s) indexed, {pending} update(s) pending")


def check_queue(dispatcher: Dispatcher | None) -> HealthCheck:
    if dispatcher is None:
        return HealthCheck(ok=True, detail="no workers in this service (--workers 0): uploads wait for a processing service")
    if not dispatcher.alive:
        return HealthCheck(ok=False, detail="the queue runner has stopped")
    return HealthCheck(ok=True, detail=f"{dispatcher.workers} worker(s), {dispatcher.in_flight} document(s) in flight")
