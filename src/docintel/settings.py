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
    # Decompression bombs: a 30000x30000 header must be refused before decoding.
    max_pixels_per_page: int = 80_000_000
    max_pages: int = 200
    max_file_bytes: int = 50 * 1024 * 1024
    pdf_dpi: int = 300
    # Scans are resampled to about this resolution before OCR (see benchmarks/throughput.py).
    target_dpi: int = 300
    # Fields read with less confidence than this are reported as low-confidence.
    low_confidence: float = 0.6
    watch_interval: float = Field(default=2.0, description="Seconds between polls of an `ingest --watch` folder.")
    workers: int = Field(default=0, description="Parallel worker processes; 0 means one per core.")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
