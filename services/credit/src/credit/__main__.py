"""`credit-service serve | migrate | issue-key | revoke-key`."""

from pathlib import Path

from labor_runtime.service import main as service_main

from credit.app import create_app
from credit.settings import CreditSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def main() -> None:
    service_main(CreditSettings, create_app, MIGRATIONS)


if __name__ == "__main__":
    main()
