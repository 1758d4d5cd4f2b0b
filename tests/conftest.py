import shutil
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES


def pytest_collection_modifyitems(config, items):
    if shutil.which("tesseract") is None:
        skip = pytest.mark.skip(reason="tesseract is not installed: run `make test`, which installs it")
        for item in items:
            if "slow" in item.keywords:
                item.add_marker(skip)
