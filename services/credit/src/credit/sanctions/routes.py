"""HTTP API of sanctions: staff read them and enter a banned person's identity; the housing
regulator, and nobody else, reads that identity in full (R-MAJ-3)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from labor_runtime.app import RuntimeDep, api_client, staff
from labor_runtime.security import Principal, Role

from credit.employers.routes import Staff
from credit.sanctions import flows
from credit.sanctions.schemas import PersonPut, PersonRead, SanctionView

router = APIRouter(prefix="/v1/sanctions", tags=["sanctions"])

Officer = Annotated[Principal, Depends(staff(Role.OFFICER_A))]
MarketBanEnforcer = Annotated[Principal, Depends(api_client("partner",
                                                            scope="sanctions:market_ban"))]


@router.get("", response_model=list[SanctionView],
            summary="A major case's R-MAJ-3 sanctions, people masked")
async def list_sanctions(runtime: RuntimeDep, who: Staff,
                         major_case_id: Annotated[str, Query(min_length=1)]
                         ) -> list[SanctionView]:
    return await flows.list_for_major_case(runtime, who, major_case_id)


@router.get("/{sanction_id}", response_model=SanctionView,
            summary="One sanction, a person masked",
            responses={404: {"description": "no such sanction in your district"}})
async def read_sanction(runtime: RuntimeDep, who: Staff, sanction_id: str) -> SanctionView:
    return await flows.read(runtime, who, sanction_id)


@router.put("/{sanction_id}/person", response_model=SanctionView,
            summary="Enter a team leader's or foreman's identity: the market ban is then imposed "
                    "and pushed, the person masked (R-MAJ-3)",
            responses={404: {"description": "no such sanction in your district"},
                       409: {"description": "an organisation's sanction, or identity already "
                             "entered"},
                       422: {"description": "invalid identity number, with the reason"}})
async def enter_person(runtime: RuntimeDep, who: Officer, sanction_id: str,
                       body: PersonPut) -> SanctionView:
    return await flows.enter_person(runtime, who, sanction_id, body)


@router.get("/{sanction_id}/person", response_model=PersonRead,
            summary="The banned person in full, for the housing regulator that enforces the "
                    "market ban (partner key with scope sanctions:market_ban); every read audited",
            responses={401: {"description": "no partner key"},
                       403: {"description": "not a partner key with scope sanctions:market_ban"},
                       404: {"description": "no identified person under this sanction"}})
async def read_person(runtime: RuntimeDep, partner: MarketBanEnforcer,
                      sanction_id: str) -> PersonRead:
    return await flows.read_person(runtime, partner, sanction_id)
