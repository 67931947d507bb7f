"""What credit's resumable batch commands share: `--batch` and `--after`, one JSON line a batch."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import Any


def _positive(value: str) -> int:
    number = int(value)
    if not 1 <= number <= 10_000:
        raise argparse.ArgumentTypeError("between 1 and 10000")
    return number


def add_batch_options(command: argparse.ArgumentParser, *, noun: str = "employers") -> None:
    command.add_argument("--batch", type=_positive, default=500,
                         help=f"{noun} per transaction (default 500)")
    command.add_argument("--after", type=lambda code: code.strip().upper(), default=None,
                         help="resume after this credit code (the last line's \"after\")")


def print_progress(progress: Any, **extra: object) -> None:
    """One JSON line: a batch committed (or, with done=True, the whole run)."""
    print(json.dumps(asdict(progress) | extra), flush=True)
