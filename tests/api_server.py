"""A real `docintel serve` in a subprocess on a free loopback port, for the HTTP API tests and benchmarks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from docintel.api.keys import create_key
from docintel.store.db import init_db, make_engine, make_session_factory
from docintel.store.models import ApiKeyRole

STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_of(home: Path) -> str:
    return f"sqlite:///{home / 'docintel.db'}"


def make_keys(home: Path, roles: dict[str, ApiKeyRole]) -> dict[str, str]:
    """API keys (name → token) written straight into the service's database, as `docintel apikey create` does."""
    engine = init_db(make_engine(database_of(home)))
    try:
        tokens = {}
        with make_session_factory(engine).begin() as session:
            for name, role in roles.items():
                tokens[name] = create_key(session, name, role)[1]
        return tokens
    finally:
        engine.dispose()


class ApiServer:
    """`python -m docintel serve` with DOCINTEL_HOME=home; started and stopped (or killed) by the test."""

    def __init__(self, home: Path, workers: int = 1, **settings: str | int):
        self.home = home
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environment = {k: v for k, v in os.environ.items() if not k.startswith("DOCINTEL_")}
        environment |= {"DOCINTEL_HOME": str(home)} | {f"DOCINTEL_{k.upper()}": str(v) for k, v in settings.items()}
        self.environment = environment
        self.process: subprocess.Popen | None = None
        self.log = home / f"serve-{self.port}.log"

    def start(self) -> ApiServer:
        self.home.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "docintel", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                   "--workers", str(self.workers)]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, env=self.environment, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"docintel serve exited with {self.process.returncode}:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code in (200, 503):
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"docintel serve did not answer within {STARTUP_SECONDS} s:\n{self.log.read_text()[-3000:]}")

    def stop(self, kill: bool = False) -> None:
        """SIGTERM (a graceful shutdown) or SIGKILL (a crash: nothing runs after it)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def client(self, token: str | None = None, timeout: float = 120) -> httpx.Client:
        headers = {"X-API-Key": token} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def __enter__(self) -> ApiServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
