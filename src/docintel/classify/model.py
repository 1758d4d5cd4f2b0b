"""Storing and loading the type classifier: a joblib file, its metadata, and the checks between.

A model lives in one of exactly two folders: the repository's ``models/`` (shipped, read-only at
run time) and ``DOCINTEL_HOME/models/`` (retrained from the archive's clerk labels). Nothing
else is ever unpickled. Each folder holds ``doctype.json`` (classes, training data and its hash,
scikit-learn version, metrics, the model file's SHA-256) and the model file it names, and beside
it the same model's numbers as arrays (classify/linear.py), which prediction uses without
importing scikit-learn. File names carry their own hash prefix, so a retrain writes new files
beside the old ones and switches by replacing ``doctype.json`` alone: one atomic rename, and a
reader sees the old model or the new one, never a mix.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from docintel.classify.classes import CLASSES
from docintel.classify.features import FEATURES_VERSION, features_signature
from docintel.digests import sha256_of
from docintel.errors import DocintelError, ErrorCode
from docintel.settings import get_settings

log = logging.getLogger(__name__)

METADATA_NAME = "doctype.json"
TRAINING_DATA_NAME = "doctype-training.jsonl.gz"
FORMAT = 1
_MODEL_NAME = re.compile(r"^doctype-[0-9a-f]{12}\.joblib$")
_ARRAYS_NAME = re.compile(r"^doctype-[0-9a-f]{12}\.npz$")
SHIPPED_DIR = Path(__file__).resolve().parents[3] / "models"


def archive_model_dir() -> Path:
    return Path(get_settings().home) / "models"


def model_dirs() -> list[Path]:
    """Where models may be loaded from, preferred first: a retrained archive model, then the shipped one."""
    return [archive_model_dir(), SHIPPED_DIR]


class Predictor(Protocol):
    classes: list[str]

    def predict_proba(self, views: Sequence[dict]) -> Any: ...


@dataclass(frozen=True)
class PipelinePredictor:
    """The pickled pipeline itself: for a model saved before its arrays were (no arrays file)."""

    pipeline: Any

    @property
    def classes(self) -> list[str]:
        return [str(c) for c in self.pipeline.classes_]

    def predict_proba(self, views: Sequence[dict]) -> Any:
        from docintel.classify.predict import probabilities

        return probabilities(self.pipeline, list(views))


@dataclass
class LoadedModel:
    predictor: Predictor  # feature views in, class probabilities out
    metadata: dict
    directory: Path

    @property
    def classes(self) -> list[str]:
        return list(self.metadata["classes"])

    @property
    def origin(self) -> str:
        return "archive" if self.directory.resolve() == archive_model_dir().resolve() else "shipped"


def _reject(directory: Path, why: str) -> DocintelError:
    return DocintelError(ErrorCode.MODEL_REJECTED, f"classifier model in {directory} refused: {why}")


def _allowed(directory: Path) -> bool:
    target = directory.resolve()
    return any(target == d.resolve() for d in model_dirs())


def read_metadata(directory: Path) -> dict:
    path = directory / METADATA_NAME
    if not path.is_file():
        raise DocintelError(ErrorCode.MODEL_NOT_FOUND, f"no classifier model in {directory} ({METADATA_NAME} missing)")
    try:
        metadata = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise _reject(directory, f"{METADATA_NAME} is not readable JSON ({exc})") from None
    if not isinstance(metadata, dict):
        raise _reject(directory, f"{METADATA_NAME} is not a JSON object")
    return metadata


def verify(directory: Path, metadata: dict) -> Path:
    """The model file, once its name, hash, classes and features check out."""
    if metadata.get("format") != FORMAT:
        raise _reject(directory, f"metadata format {metadata.get('format')!r}, expected {FORMAT}")
    name = str(metadata.get("model_file", ""))
    if not _MODEL_NAME.match(name):
        raise _reject(directory, f"model file name {name!r} is not a doctype-<hash>.joblib in this folder")
    path = directory / name
    if not path.is_file():
        raise _reject(directory, f"model file {name} is missing")
    actual = sha256_of(path)
    if actual != metadata.get("sha256"):
        raise _reject(directory, f"{name} has SHA-256 {actual[:16]}…, the metadata records {str(metadata.get('sha256'))[:16]}… "
                                 "(the file was modified or damaged)")
    if list(metadata.get("classes", [])) != list(CLASSES):
        raise _reject(directory, f"classes {metadata.get('classes')} differ from {list(CLASSES)}")
    if metadata.get("features") != features_signature():
        recorded = (metadata.get("features") or {}).get("version")
        raise _reject(directory, f"fitted on features version {recorded}, this docintel computes version "
                                 f"{FEATURES_VERSION}; retrain it with `docintel classifier train`")
    return path


def _check_sklearn_version(directory: Path, metadata: dict) -> None:
    """A pickle is only unpickled by the scikit-learn that wrote it (its arrays need none)."""
    import sklearn

    if metadata.get("sklearn_version") != sklearn.__version__:
        raise _reject(directory, f"trained with scikit-learn {metadata.get('sklearn_version')}, this installation has "
                                 f"{sklearn.__version__}; retrain it with `docintel classifier train`")


def _read_arrays(directory: Path, metadata: dict) -> bytes | None:
    """The model's arrays file, checked against its recorded hash; None when the metadata names none."""
    name = metadata.get("arrays_file")
    if name is None:
        return None
    if not _ARRAYS_NAME.match(str(name)):
        raise _reject(directory, f"arrays file name {name!r} is not a doctype-<hash>.npz in this folder")
    try:
        data = (directory / name).read_bytes()
    except OSError:
        raise _reject(directory, f"arrays file {name} is missing") from None
    if hashlib.sha256(data).hexdigest() != metadata.get("arrays_sha256"):
        raise _reject(directory, f"{name} does not have the SHA-256 its metadata records (the file was modified or damaged)")
    return data


def load_model(directory: Path) -> LoadedModel:
    """Load and check the model in ``directory`` (one of model_dirs()); DocintelError if refused."""
    directory = Path(directory)
    if not _allowed(directory):
        raise _reject(directory, "models are only loaded from the shipped models/ folder or DOCINTEL_HOME/models")
    metadata = read_metadata(directory)
    path = verify(directory, metadata)
    arrays = _read_arrays(directory, metadata)
    if arrays is not None:
        from docintel.classify.linear import LinearTypeModel

        try:
            predictor: Predictor = LinearTypeModel.from_bytes(arrays)
        except (OSError, ValueError, KeyError) as exc:
            raise _reject(directory, f"arrays file unreadable ({exc})") from None
    else:
        _check_sklearn_version(directory, metadata)
        import joblib

        try:
            predictor = PipelinePredictor(joblib.load(path))
        except OSError as exc:  # replaced by a retrain between the check and the load
            raise _reject(directory, f"model file unreadable ({exc})") from None
    if sorted(predictor.classes) != sorted(CLASSES):
        raise _reject(directory, "the model's classes differ from its metadata")
    return LoadedModel(predictor, metadata, directory)


@dataclass
class _Cache:
    key: tuple | None = None
    model: LoadedModel | None = None
    refused: dict[str, str] = field(default_factory=dict)


_cache = _Cache()


def _stamp(directory: Path) -> tuple | None:
    try:
        stat = (directory / METADATA_NAME).stat()
    except OSError:
        return None
    return (str(directory), stat.st_mtime_ns, stat.st_size)


def current_model() -> LoadedModel | None:
    """The model in force: the archive's when present and valid, else the shipped one.

    Cached per process and reloaded when a retrain replaces the metadata. A refused model is
    logged once with its reason and skipped; None when no valid model exists.
    """
    stamps = [_stamp(d) for d in model_dirs()]
    key = tuple(stamps)
    if key == _cache.key:
        return _cache.model
    chosen = None
    for directory, stamp in zip(model_dirs(), stamps):
        if stamp is None:
            continue
        try:
            chosen = load_model(directory)
            break
        except DocintelError as exc:
            if _cache.refused.get(str(directory)) != exc.message:
                log.warning("%s", exc.message)
                _cache.refused[str(directory)] = exc.message
    _cache.key, _cache.model = key, chosen
    return chosen


def clear_cache() -> None:
    _cache.key, _cache.model = None, None
    _cache.refused.clear()


# mkstemp creates files readable by their owner only; a model is read by every docintel process.
_FILE_MODE = 0o644


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, _FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_model(directory: Path, pipeline: Any, metadata: dict, training_data: bytes | None = None) -> dict:
    """Write the model file, then switch to it by replacing the metadata (the one atomic step).

    Returns the metadata written (with the file name, hashes and versions filled in).
    """
    import joblib
    import sklearn

    from docintel.classify.linear import export

    arrays = export(pipeline).to_bytes()  # first: a pipeline it cannot export leaves no file behind
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".doctype.", suffix=".joblib.tmp")
    os.close(fd)
    try:
        joblib.dump(pipeline, tmp, compress=3)
        os.chmod(tmp, _FILE_MODE)
        digest = sha256_of(Path(tmp))
        name = f"doctype-{digest[:12]}.joblib"
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, directory / name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    arrays_digest = hashlib.sha256(arrays).hexdigest()
    arrays_name = f"doctype-{arrays_digest[:12]}.npz"
    _write_atomically(directory / arrays_name, arrays)
    full = {
        "format": FORMAT,
        "model_file": name,
        "sha256": digest,
        "arrays_file": arrays_name,
        "arrays_sha256": arrays_digest,
        "sklearn_version": sklearn.__version__,
        "classes": list(CLASSES),
        "features": features_signature(),
        **metadata,
    }
    if training_data is not None:
        _write_atomically(directory / TRAINING_DATA_NAME, training_data)
        full["training"] = {**full.get("training", {}), "examples_file": TRAINING_DATA_NAME,
                            "examples_sha256": hashlib.sha256(training_data).hexdigest()}
    _write_atomically(directory / METADATA_NAME, (json.dumps(full, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    for old in [*directory.glob("doctype-*.joblib"), *directory.glob("doctype-*.npz")]:
        if old.name not in (name, arrays_name):
            # A reader that read the old metadata just before finds its file gone and falls back
            # for that call; the metadata's new stamp makes its next call load the new model.
            old.unlink(missing_ok=True)
    return full
