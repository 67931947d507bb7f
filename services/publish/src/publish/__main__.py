"""`publish-service serve | migrate | issue-key | revoke-key`."""

from pathlib import Path

from labor_runtime.service import main as service_main

from publish.app import create_app
from publish.settings import PublishSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def main() -> None:
    service_main(PublishSettings, create_app, MIGRATIONS)


if __name__ == "__main__":
    main()
