"""How intake follows credit's register (一户一档): the employer read model takes its name,
address, grid and district (R-ORG-1, R-INT-6)."""

from __future__ import annotations

import logging
from typing import Any

from labor_contracts.credit import EmployerRegisterChanged
from labor_contracts.envelope import Envelope
from labor_contracts.identifiers import credit_code_problem
from labor_runtime.bus import Rejected
from labor_runtime.db import UnitOfWork

from intake.employers import flows

log = logging.getLogger(__name__)


async def on_employer_register_changed(uow: UnitOfWork, event: Envelope,
                                       data: EmployerRegisterChanged) -> None:
    problem = credit_code_problem(data.credit_code)
    if problem:
        raise Rejected(f"register update for {data.credit_code!r}: invalid credit code: {problem}")
    outcome = await flows.apply_register(uow.session, data, uow.clock.now())
    log.info("register version %s of %s: %s", data.version, data.credit_code, outcome)


HANDLERS: dict[str, Any] = {EmployerRegisterChanged.event_type: on_employer_register_changed}
