"""The configuration a command uses: ``--config PATH``, or the one found from the cwd."""

from __future__ import annotations

import argparse
from pathlib import Path

from perfbench.config import Config, load_config_for
from perfbench.store import DEFAULT_STORE_PATH


def config_from(args: argparse.Namespace) -> Config | None:
    return load_config_for(Path.cwd(), Path(args.config) if getattr(args, "config", None) else None)


def store_path(args: argparse.Namespace, config: Config | None) -> str:
    """Where the store is, as given: a path or a URL (``--store sqlite:///x.db``), which
    ``store.open_store`` understands and a Path would mangle."""
    if args.store:
        return str(args.store)
    return str(config.store if config is not None and config.store is not None else DEFAULT_STORE_PATH)
