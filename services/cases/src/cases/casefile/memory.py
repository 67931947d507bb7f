"""The case file in memory: the same load-call-save as on PostgreSQL, for testing the whole
procedure in milliseconds. Saved records land in plain lists a test reads."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime

from labor_contracts.cases import CaseRegistered
from labor_contracts.events import EventData
from labor_contracts.identifiers import new_id
from labor_runtime.clock import BUREAU_TZ, Calendar

from cases.casefile.base import (
    Actor,
    Announced,
    Audited,
    DeadlineCancelled,
    DeadlineMet,
    DeadlineStarted,
    Desk,
    DocumentRef,
    Draft,
    Registered,
    Step,
    no_such_case,
)
from cases.casefile.model import CaseFile
from cases.lifecycle.rules import document_number
from cases.settings import CasesSettings


@dataclass
class MemoryClerk:
    """Numbers from counters per series and year; keeps every draft it filed."""

    counters: dict[tuple[str, int], int] = field(default_factory=dict)
    filed: list[Draft] = field(default_factory=list)

    async def number(self, series: str, prefix: str, at: datetime) -> str:
        year = at.astimezone(BUREAU_TZ).year
        self.counters[series, year] = self.counters.get((series, year), 0) + 1
        return document_number(prefix, year, self.counters[series, year])

    signatures: list[tuple[str, Actor, str]] = field(default_factory=list)

    async def file(self, draft: Draft) -> DocumentRef:
        self.filed.append(draft)
        ref = DocumentRef(new_id(), draft.number)
        if draft.signer is not None:
            await self.sign(ref.id, draft.signer, draft.purpose, draft.at)
        return ref

    async def sign(self, document_id: str, signer: Actor, purpose: str, at: datetime) -> None:
        self.signatures.append((document_id, signer, purpose))


@dataclass
class Deadline:
    due_at: datetime
    payload: dict[str, object]
    state: str = "open"  # open, met or cancelled


@dataclass
class MemoryCaseFiles:
    """Case files by id, and what their saves wrote: timeline, audit log, deadlines, events."""

    settings: CasesSettings
    calendar: Calendar = field(default_factory=Calendar)
    clerk: MemoryClerk = field(default_factory=MemoryClerk)
    files: dict[str, CaseFile] = field(default_factory=dict)
    timeline: list[Step] = field(default_factory=list)
    audit: list[Audited] = field(default_factory=list)
    deadlines: dict[tuple[str, str], Deadline] = field(default_factory=dict)
    events: list[EventData] = field(default_factory=list)

    def desk(self, now: datetime) -> Desk:
        return Desk(self.settings, self.calendar, self.clerk, now)

    def add(self, case_file: CaseFile) -> None:
        self.files[case_file.id] = copy.deepcopy(case_file)

    async def get(self, case_id: str) -> CaseFile:
        if case_id not in self.files:
            raise no_such_case(case_id)
        return copy.deepcopy(self.files[case_id])

    async def save(self, case_file: CaseFile) -> None:
        for record in case_file.records:
            match record:
                case Step():
                    self.timeline.append(record)
                case Audited():
                    self.audit.append(record)
                case DeadlineStarted(kind=kind, subject=subject, due_at=due_at, payload=payload):
                    self.deadlines[kind, subject] = Deadline(due_at, payload)
                case DeadlineMet(kind=kind, subject=subject) if (kind, subject) in self.deadlines:
                    self.deadlines[kind, subject].state = "met"
                case DeadlineCancelled(kind=kind, subject=subject) if (kind, subject) in self.deadlines:
                    self.deadlines[kind, subject].state = "cancelled"
                case Registered(at=at, immediate=immediate, reason=reason):
                    case_file.case_number = await self.clerk.number(
                        "case", self.settings.case_number_prefix, at)
                    case_file.registered_at = at
                    self.events.append(CaseRegistered(
                        case_id=case_file.id, case_number=case_file.case_number,
                        complaint_ids=list(case_file.complaint_ids), registered_at=at,
                        immediate=immediate, reason=reason))
                case Announced(data=data):
                    self.events.append(data)
        case_file.records.clear()
        self.files[case_file.id] = copy.deepcopy(case_file)
