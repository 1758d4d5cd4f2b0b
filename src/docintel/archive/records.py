"""What an ingest run reports: per-file outcomes and the totals of the summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum


class Outcome(StrEnum):
    INGESTED = "ingested"  # new document stored (and matched when matching is available)
    DUPLICATE = "duplicate"  # same bytes already in the archive: not stored again
    FAILED = "failed"  # could not be processed: recorded, quarantined


@dataclass(frozen=True)
class FileOutcome:
    file: str
    outcome: Outcome
    document_id: int | None
    sha256: str | None
    status: str | None = None  # the document's status after this run
    duplicate_of: int | None = None
    error_code: str | None = None
    error_message: str | None = None
    flag_codes: tuple[str, ...] = ()
    matched_order: str | None = None

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "outcome": str(self.outcome),
            "document_id": self.document_id,
            "sha256": self.sha256,
            "status": self.status,
            "duplicate_of": self.duplicate_of,
            "error": {"code": self.error_code, "message": self.error_message} if self.error_code else None,
            "flags": list(self.flag_codes),
            "matched_order": self.matched_order,
        }


@dataclass
class IngestSummary:
    outcomes: list[FileOutcome] = field(default_factory=list)
    matching_available: bool = True
    interrupted: bool = False

    def add(self, outcome: FileOutcome) -> None:
        self.outcomes.append(outcome)

    def _count(self, kind: Outcome) -> int:
        return sum(o.outcome is kind for o in self.outcomes)

    @property
    def ingested(self) -> int:
        return self._count(Outcome.INGESTED)

    @property
    def duplicates(self) -> int:
        return self._count(Outcome.DUPLICATE)

    @property
    def failed(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.outcome is Outcome.FAILED]

    @property
    def matched(self) -> int:
        return sum(o.outcome is Outcome.INGESTED and o.matched_order is not None for o in self.outcomes)

    @property
    def flags_by_code(self) -> dict[str, int]:
        counts = Counter(code for o in self.outcomes if o.outcome is Outcome.INGESTED for code in o.flag_codes)
        return dict(sorted(counts.items()))

    def as_dict(self) -> dict:
        return {
            "files": len(self.outcomes),
            "ingested": self.ingested,
            "duplicates": self.duplicates,
            "matched": self.matched,
            "flagged": self.flags_by_code,
            "failed": len(self.failed),
            "matching_available": self.matching_available,
            "interrupted": self.interrupted,
            "failures": [o.as_dict() for o in self.failed],
            "outcomes": [o.as_dict() for o in self.outcomes],
        }
