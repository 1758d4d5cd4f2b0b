"""The `docintel` command starts without loading what `extract` does not use: a batch's workers
are forked from it, and every second of its start is paid before the first page is read."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from docintel.cli import _Commands, app

# The archive (SQLAlchemy, Alembic, SciPy), the web app (FastAPI) and the classifier (scikit-learn).
HEAVY = ("sqlalchemy", "alembic", "scipy", "fastapi", "sklearn")


def test_the_command_loads_no_archive_web_or_classifier_libraries():
    probe = f"import sys, docintel.cli; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_help_lists_every_command_and_each_one_answers():
    runner = CliRunner()
    listing = runner.invoke(app, ["--help"])
    assert listing.exit_code == 0
    for name in ("extract", *_Commands.lazy):
        assert f" {name} " in listing.output
        assert runner.invoke(app, [name, "--help"]).exit_code == 0
    assert runner.invoke(app, ["docs", "show", "--help"]).exit_code == 0
