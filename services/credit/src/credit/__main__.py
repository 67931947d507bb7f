"""`credit-service serve | migrate | issue-key | revoke-key | register republish |
grids load | grades recompute`."""

import sys
from pathlib import Path

from labor_runtime.service import main as service_main

from credit.app import create_app
from credit.settings import CreditSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["register"]:
        from credit.employers.cli import main as register

        register(argv[1:])
        return
    if argv[:1] == ["grids"]:
        from credit.grids.cli import main as grids

        grids(argv[1:])
        return
    if argv[:1] == ["grades"]:
        from credit.grading.cli import main as grades

        grades(argv[1:])
        return
    service_main(CreditSettings, create_app, MIGRATIONS, argv)


if __name__ == "__main__":
    main()
