"""`cases-service serve | migrate | issue-key | revoke-key`."""

from pathlib import Path

from labor_runtime.service import main as service_main

from cases.app import create_app
from cases.settings import CasesSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def main() -> None:
    service_main(CasesSettings, create_app, MIGRATIONS)


if __name__ == "__main__":
    main()
