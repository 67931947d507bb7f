"""Every setting of every service is in the README's configuration table, so ops never have to
read the code to learn what a variable does."""

from __future__ import annotations

from pathlib import Path

import pytest
from cases.settings import CasesSettings
from credit.settings import CreditSettings
from intake.settings import IntakeSettings
from labor_runtime.settings import ServiceSettings
from notify.settings import NotifySettings
from publish.settings import PublishSettings

README = (Path(__file__).parents[2] / "README.md").read_text()


@pytest.mark.parametrize("settings", [IntakeSettings, CasesSettings, CreditSettings,
                                      NotifySettings, PublishSettings])
def test_every_setting_is_documented(settings: type[ServiceSettings]):
    missing = [name.upper() for name in settings.model_fields
               if f"| `{name.upper()}` |" not in README]
    assert missing == [], f"add these to README.md's configuration table: {missing}"
