"""`notify-service serve | migrate | issue-key | revoke-key`."""

from pathlib import Path

from labor_runtime.service import main as service_main

from notify.app import create_app
from notify.settings import NotifySettings

MIGRATIONS = Path(__file__).parent / "migrations"


def main() -> None:
    service_main(NotifySettings, create_app, MIGRATIONS)


if __name__ == "__main__":
    main()
