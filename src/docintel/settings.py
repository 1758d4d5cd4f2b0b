"""Every tunable of docintel in one place, read from DOCINTEL_* environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOCINTEL_", extra="ignore")

    home: Path = Field(default=Path("./docintel-data"), description="Data folder: database, archive, index.")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db; default a SQLite file in home.",
    )
    ocr_lang: str = Field(
        default="auto",
        description="Tesseract languages, '+'-joined (e.g. chi_sim+eng), or 'auto': chi_sim, chi_tra or chi_sim+eng chosen per page.",
    )
    # Page segmentation mode: 4 (one column of lines of varying size) read ruled and unruled forms
    # best once rules are erased (benchmarks/accuracy.py; see README).
    ocr_psm: int = 4
    ocr_in_process: bool = Field(
        default=True,
        description="Read with libtesseract loaded in the process (models loaded once) rather than one `tesseract` command per read.",
    )
    # Decompression bombs: a 30000x30000 header must be refused before decoding.
    max_pixels_per_page: int = 80_000_000
    max_pages: int = 200
    max_file_bytes: int = 50 * 1024 * 1024
    pdf_dpi: int = 300
    # Scans are resampled to about this resolution before OCR (see benchmarks/throughput.py).
    target_dpi: int = 300
    # ...but a page enlarged read_upscale_past or more to get there (a 150 dpi scan: x2) is read by
    # tesseract enlarged only read_upscale_max; its seals, signatures and rereads keep the full size.
    # Print enlarged that far is blurred into blobs: on 222 pages of 145-150 dpi, x1.2 read 8 order
    # numbers wrong where x2.0 read 25 (x1.1: 13, x1.4: 18); 200 dpi pages read better at x1.5 (README).
    read_upscale_past: float = Field(default=1.75, ge=1.0)
    read_upscale_max: float = Field(default=1.2, ge=1.0)
    # Fields read with less confidence than this are reported as low-confidence.
    low_confidence: float = 0.6
    watch_interval: float = Field(default=2.0, description="Seconds between polls of an `ingest --watch` folder.")
    workers: int = Field(default=0, description="Parallel worker processes; 0 means one per core.")
    # Document types: a calibrated probability under this answers "other" and flags LOW_CONFIDENCE
    # (measured on a fresh generated set by benchmarks/classify.py; see README).
    classifier_threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    classifier_retrain_after: int = Field(
        default=50, ge=1, description="Retrain the type classifier once this many new clerk-confirmed types exist."
    )

    # HTTP API (`docintel serve`): limits of one upload request, and how long ?wait=true waits.
    max_files_per_request: int = Field(default=20, ge=1, description="Files in one POST /api/v1/documents.")
    api_wait_seconds: float = Field(default=60.0, ge=0, description="Longest ?wait=true wait for results.")
    api_host: str = "127.0.0.1"
    api_port: int = 8000

    # Clerk pages (docintel.web): sessions and the wrong-password limit.
    session_hours: float = Field(default=12.0, gt=0, description="A sign-in lasts this long (a clerk's working day).")
    cookie_secure: bool = Field(default=False, description="Send the session cookie over HTTPS only (set behind TLS).")
    login_max_failures: int = Field(default=5, ge=1, description="Wrong passwords for one user within the window before sign-in is refused.")
    login_window_seconds: int = Field(default=900, ge=1, description="The wrong-password window (15 minutes).")

    # Full-text search (docintel.search): query limits and how long a writer waits for the index lock.
    search_max_query_chars: int = Field(default=200, ge=1, description="Longest free-text query, in characters.")
    search_max_terms: int = Field(default=16, ge=1, description="Most words in one free-text query.")
    search_max_page_size: int = Field(default=100, ge=1, description="Most hits on one result page.")
    index_lock_timeout: float = Field(
        default=10.0, ge=0, description="Seconds an index update waits for another writer before it is left pending."
    )
    index_rebuild_wait: float = Field(default=900.0, ge=0, description="Seconds start-up waits for another process's rebuild.")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
