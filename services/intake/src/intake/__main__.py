"""`intake-service serve | migrate | issue-key | revoke-key`."""

from pathlib import Path

from labor_runtime.service import main as service_main

from intake.app import create_app
from intake.settings import IntakeSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def main() -> None:
    service_main(IntakeSettings, create_app, MIGRATIONS)


if __name__ == "__main__":
    main()
