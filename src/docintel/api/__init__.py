"""The scanning-station HTTP API (`docintel serve`): FastAPI over the archive, the queue and search."""

from __future__ import annotations

__all__ = ["create_app"]


def __getattr__(name: str):
    # Loaded on first use: every `docintel` command imports docintel.api.cli, few need FastAPI.
    if name == "create_app":
        from docintel.api.app import create_app

        return create_app
    raise AttributeError(name)
