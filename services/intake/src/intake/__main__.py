"""`intake-service serve | migrate | issue-key | revoke-key | channel-key ...`."""

import sys
from pathlib import Path

from labor_runtime.service import main as service_main

from intake.app import create_app
from intake.settings import IntakeSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["channel-key"]:
        from intake.channels.cli import main as channel_key

        channel_key(argv[1:])
        return
    service_main(IntakeSettings, create_app, MIGRATIONS, argv)


if __name__ == "__main__":
    main()
