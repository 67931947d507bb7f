"""`credit-service serve | migrate | issue-key | revoke-key | register republish |
grids load | grades recompute`."""

import sys
from importlib import import_module
from pathlib import Path

from labor_runtime.service import main as service_main

from credit.app import create_app
from credit.settings import CreditSettings

MIGRATIONS = Path(__file__).parent / "migrations"
COMMANDS = {"register": "credit.employers.cli", "grids": "credit.grids.cli",
            "grades": "credit.grading.cli"}


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] and argv[0] in COMMANDS:  # imported only when asked for: `serve` needs none
        import_module(COMMANDS[argv[0]]).main(argv[1:])
        return
    service_main(CreditSettings, create_app, MIGRATIONS, argv)


if __name__ == "__main__":
    main()
