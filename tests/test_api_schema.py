"""Schemathesis against the running service's /openapi.json: generated valid and invalid requests to
every operation, with an admin key (every route reachable), must never get a server error.

Bounded (SCHEMATHESIS_EXAMPLES per operation) and derandomised, so the suite stays fast and a
failure reproduces; set DOCINTEL_FUZZ_EXAMPLES higher for a longer, random hunt.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import hypothesis
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from docintel.orders import import_orders
from docintel.queue import enqueue_file
from docintel.settings import Settings
from docintel.store.db import init_db, make_engine, make_session_factory
from docintel.store.models import ApiKeyRole, Flag
from tests.api_server import ApiServer, database_of, make_keys

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
EXAMPLES = int(os.environ.get("DOCINTEL_FUZZ_EXAMPLES", "25"))


def _seed(home: Path) -> None:
    """An order book, a queued upload and a flagged document, so ids and order numbers exist."""
    engine = init_db(make_engine(database_of(home)))
    sessions = make_session_factory(engine)
    try:
        with sessions() as session:
            import_orders(SAMPLES / "orders.csv", session)
        scan = SAMPLES / "0013_signoff_receipt.png"
        queued = enqueue_file(
            sessions, home, scan, sha256=hashlib.sha256(scan.read_bytes()).hexdigest(), size=scan.stat().st_size,
            filename=scan.name, mime_type="image/png",
        )
        with sessions.begin() as session:
            session.add(Flag(document_id=queued.document_id, code="NO_MATCH", message="未匹配"))
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("api-fuzz")
    keys = make_keys(home, {"admin": ApiKeyRole.ADMIN})
    _seed(home)
    # No workers: what the fuzzer uploads stays queued, and OCR does not compete for the CPU.
    # ?wait=true would wait for nothing: a short wait keeps each call well inside the client's timeout.
    with ApiServer(home, workers=0, max_file_bytes=1_000_000, api_wait_seconds=0.5) as server:
        server.keys = keys
        yield server


@pytest.fixture(scope="module")
def api_schema(fuzzed: ApiServer):
    return schemathesis.openapi.from_url(f"{fuzzed.url}/openapi.json", headers={"X-API-Key": fuzzed.keys["admin"]})


def _cases() -> list:
    """(mode, method, path) for every operation, known when tests are collected (schemathesis' own
    pytest loader does not run on pytest 9); invalid requests only where there is an input to spoil."""
    from docintel.api import create_app

    paths = create_app(Settings(home=Path("unused")), workers=0).openapi()["paths"]
    cases = []
    for path, methods in paths.items():
        for method, operation in methods.items():
            modes = [GenerationMode.POSITIVE]
            if operation.get("parameters") or operation.get("requestBody"):
                modes.append(GenerationMode.NEGATIVE)
            cases += [pytest.param(mode, method.upper(), path, id=f"{mode.value}-{method.upper()}-{path}") for mode in modes]
    return cases


@pytest.mark.parametrize(("mode", "method", "path"), _cases())
def test_no_request_gets_a_server_error(api_schema, fuzzed: ApiServer, mode: GenerationMode, method: str, path: str) -> None:
    headers = {"X-API-Key": fuzzed.keys["admin"]}

    @hypothesis.settings(
        max_examples=EXAMPLES,
        derandomize="DOCINTEL_FUZZ_EXAMPLES" not in os.environ,
        database=None,
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        # No shrinking: a failure is reported as generated, and the suite's time stays bounded.
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    @hypothesis.given(case=api_schema[path][method].as_strategy(mode))
    def call(case) -> None:
        case.call_and_validate(base_url=fuzzed.url, headers=headers, checks=[not_a_server_error])

    call()
