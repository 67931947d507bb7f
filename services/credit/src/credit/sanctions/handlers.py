"""How sanctions reacts to cases: a major case's R-MAJ-3 follow-up becomes joint punishments."""

from __future__ import annotations

from labor_contracts.cases import MajorCaseSanctions
from labor_contracts.envelope import Envelope
from labor_runtime.crypto import FieldCipher
from labor_runtime.db import UnitOfWork
from labor_runtime.handlers import EventHandler

from credit.sanctions import flows, rules


def event_handlers(terms: rules.Terms, cipher: FieldCipher) -> dict[str, EventHandler]:
    async def on_major_case_sanctions(uow: UnitOfWork, event: Envelope,
                                      data: MajorCaseSanctions) -> None:
        await flows.record_major_case(uow, terms=terms, cipher=cipher, event=event, data=data)

    return {MajorCaseSanctions.event_type: on_major_case_sanctions}
