"""Scanning stations under load: concurrent uploads to a real `docintel serve`, against `docintel
ingest` of the same files in the same run.

    python benchmarks/load.py [--files 200] [--stations 20] [--workers N]

Each station (its own API key and HTTP connection) uploads its share of the scans one after the
other, as a station beside a scanner does. The scans are the committed samples, each copy made
distinct by bytes after the image's end (decoders ignore them), so none is a duplicate.

Checked: no request fails, every upload is one new document (none lost, none stored twice), and
every document ends done. Measured: time to the 202 answer (target p95 <= 300 ms, while the
workers keep every core busy with OCR) and the time until all are processed, beside the time
`docintel ingest` takes for the same files with the same number of workers.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.api_server: the server harness

from docintel.orders import import_orders  # noqa: E402
from docintel.store.db import init_db, make_engine, make_session_factory  # noqa: E402
from docintel.store.models import ApiKeyRole, Document, DocumentStatus  # noqa: E402
from tests.api_server import ApiServer, database_of, make_keys  # noqa: E402

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
TARGET_P95_MS = 300
POLL_SECONDS = 1.0
# JPEG and PNG decoders stop at the image's end marker: bytes after it change the hash, not the scan.
SCAN_SUFFIXES = (".jpg", ".png")


def make_scans(folder: Path, count: int) -> list[Path]:
    sources = sorted(p for p in SAMPLES.iterdir() if p.suffix in SCAN_SUFFIXES)
    folder.mkdir(parents=True)
    scans = []
    for n in range(count):
        source = sources[n % len(sources)]
        target = folder / f"{n:04d}_{source.name}"
        target.write_bytes(source.read_bytes() + f"docintel-load-{n:06d}".encode())
        scans.append(target)
    return scans


def prepare_home(home: Path) -> None:
    engine = init_db(make_engine(database_of(home)))
    try:
        with make_session_factory(engine)() as session:
            import_orders(SAMPLES / "orders.csv", session)
    finally:
        engine.dispose()


def count_documents(home: Path) -> dict[str, int]:
    engine = make_engine(database_of(home))
    try:
        with make_session_factory(engine)() as session:
            return {str(s): n for s, n in session.execute(select(Document.status, func.count(Document.id)).group_by(Document.status))}
    finally:
        engine.dispose()


def multipart_body(scan: Path, boundary: str) -> bytes:
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{scan.name}"\r\n\r\n'
    return head.encode() + scan.read_bytes() + f"\r\n--{boundary}--\r\n".encode()


def station(url: str, token: str, scans: list[Path], latencies: list[float], answers: list[dict]) -> None:
    """One station: its own connection, one upload after the other. The body is built before the
    clock starts, so what is timed is sending it and the service's answer, not this client."""
    address = httpx.URL(url)
    connection = http.client.HTTPConnection(address.host, address.port, timeout=60)
    boundary = secrets.token_hex(16)
    headers = {"X-API-Key": token, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    try:
        for scan in scans:
            body = multipart_body(scan, boundary)
            started = time.perf_counter()
            connection.request("POST", "/api/v1/documents", body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status != 202:
                answers.append({"error": f"{response.status} {payload[:200]!r}", "file": scan.name})
                continue
            answers.extend(json.loads(payload)["documents"])
    finally:
        connection.close()


async def wait_until_processed(url: str, token: str, count: int, timeout: float) -> float:
    """Seconds until the queue is empty and nothing is in flight (every upload read)."""
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=url, headers={"X-API-Key": token}, timeout=30) as http:
        while time.monotonic() < deadline:
            metrics = (await http.get("/metrics")).text
            waiting = sum(
                float(line.rsplit(" ", 1)[1])
                for line in metrics.splitlines()
                if line.startswith(('docintel_documents{status="received"}', 'docintel_documents{status="processing"}'))
            )
            if waiting == 0:
                return time.monotonic()
            await asyncio.sleep(POLL_SECONDS)
    raise SystemExit(f"not all {count} uploads were processed within {timeout:.0f} s")


def run_load(server: ApiServer, tokens: list[str], scans: list[Path]) -> tuple[list[float], list[dict], float]:
    shares = [scans[i :: len(tokens)] for i in range(len(tokens))]
    latencies: list[float] = []
    answers: list[dict] = []
    started = time.monotonic()
    with ThreadPoolExecutor(len(tokens)) as stations:  # a thread per station, each on its own connection
        for done in [stations.submit(station, server.url, t, share, latencies, answers) for t, share in zip(tokens, shares, strict=True)]:
            done.result()
    finished = asyncio.run(wait_until_processed(server.url, tokens[0], len(scans), timeout=60 * 60))
    return latencies, answers, finished - started


def run_ingest(folder: Path, home: Path, workers: int) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCINTEL_")} | {"DOCINTEL_HOME": str(home)}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "docintel", "ingest", str(folder), "--workers", str(workers), "--json"],
        env=env, capture_output=True, text=True,
    )
    elapsed = time.monotonic() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"docintel ingest failed: {done.stderr[-2000:]}")
    return elapsed


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--stations", type=int, default=20)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="reader processes, for both runs")
    parser.add_argument("--keep", type=Path, help="keep the two data folders here instead of a temporary folder")
    args = parser.parse_args()

    root = args.keep or Path(tempfile.mkdtemp(prefix="docintel-load-"))
    scans = make_scans(root / "scans", args.files)
    api_home, ingest_home = root / "api-home", root / "ingest-home"
    prepare_home(api_home)
    prepare_home(ingest_home)
    keys = make_keys(api_home, {f"station-{i + 1:02d}": ApiKeyRole.STATION for i in range(args.stations)})

    with ApiServer(api_home, workers=args.workers) as server:
        latencies, answers, processing = run_load(server, list(keys.values()), scans)
    api_counts = count_documents(api_home)
    ingest_seconds = run_ingest(root / "scans", ingest_home, args.workers)
    ingest_counts = count_documents(ingest_home)

    errors = [a for a in answers if "error" in a]
    ids = [a["id"] for a in answers if "id" in a]
    duplicates = sum(bool(a.get("duplicate")) for a in answers)
    stored = sum(api_counts.values())
    unfinished = api_counts.get(DocumentStatus.RECEIVED, 0) + api_counts.get(DocumentStatus.PROCESSING, 0)
    p95 = percentile(latencies, 0.95)

    table = Table(title=f"{args.files} scans from {args.stations} stations, {args.workers} worker(s)")
    table.add_column("")
    table.add_column("value", justify="right")
    table.add_row("upload errors", str(len(errors)))
    table.add_row("documents stored / uploads (distinct ids)", f"{stored} / {len(answers)} ({len(set(ids))})")
    table.add_row("reported as duplicate", str(duplicates))
    table.add_row("failed / unfinished", f"{api_counts.get(DocumentStatus.FAILED, 0)} / {unfinished}")
    table.add_row("202 answer median ms", f"{statistics.median(latencies):.0f}")
    table.add_row(f"202 answer p95 ms (target <= {TARGET_P95_MS})", f"{p95:.0f}")
    table.add_row("202 answer max ms", f"{max(latencies):.0f}")
    table.add_row("API: first upload to all processed, s", f"{processing:.1f}")
    table.add_row("`docintel ingest` of the same files, s (baseline)", f"{ingest_seconds:.1f}")
    table.add_row("API / ingest", f"{processing / ingest_seconds:.2f}")
    table.add_row("ingest: documents stored", str(sum(ingest_counts.values())))
    Console().print(table)
    for error in errors[:5]:
        Console(stderr=True).print(f"[red]{error['file']}: {error['error']}[/red]")

    ok = not errors and stored == len(scans) == len(set(ids)) and not duplicates and not unfinished and p95 <= TARGET_P95_MS
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
