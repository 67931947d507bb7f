"""Shared data as it arrives (R-CRD-3 sources): one table per source keyed by its natural key,
the batches that carried it and the rows they rejected, and the employers to re-evaluate.

Every data row keeps the batch that last changed it (`batch_id`), so a warning can name its
evidence. Amounts in yuan; `month` is the first day of the month it is about."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field

from credit.tables import CreditTable

_MONEY = sa.Numeric(16, 2)


class Project(CreditTable, table=True):
    """A construction project (工程项目) as the housing real-name system (实名制) names it."""

    __tablename__ = "projects"

    project_id: str = Field(primary_key=True, description="the housing system's project code")
    name: str
    credit_code: str = Field(index=True, description="the general contractor (施工总承包单位)")
    district: str | None = None
    grid: str | None = None
    started_on: date | None = None
    ends_on: date | None = None
    batch_id: str | None = None
    updated_at: datetime = Field(sa_type=sa.DateTime(timezone=True))


class AttendanceMonth(CreditTable, table=True):
    """Housing real-name attendance and wages of one project in one month (住建实名制)."""

    __tablename__ = "attendance_months"

    project_id: str = Field(primary_key=True)
    month: date = Field(primary_key=True)
    credit_code: str = Field(index=True)
    workers_registered: int
    workers_attended: int
    wages_payable: Decimal = Field(sa_type=_MONEY)
    wages_paid: Decimal = Field(sa_type=_MONEY)
    batch_id: str


class InsuranceMonth(CreditTable, table=True):
    """Social-insurance monthly headcount of one employer (社保参保人数)."""

    __tablename__ = "insurance_months"

    credit_code: str = Field(primary_key=True)
    month: date = Field(primary_key=True)
    employees: int = Field(description="people on the payroll that month")
    insured: int = Field(description="of them, insured that month")
    batch_id: str


class PayrollMonth(CreditTable, table=True):
    """A bank payroll agent's (代发工资银行) month of one wage special account (工资专用账户)."""

    __tablename__ = "payroll_months"

    credit_code: str = Field(primary_key=True)
    account: str = Field(primary_key=True, description="the special account's number")
    month: date = Field(primary_key=True)
    project_id: str | None = None
    balance: Decimal = Field(sa_type=_MONEY, description="balance at the month's end")
    wages_payable: Decimal = Field(sa_type=_MONEY, description="the month's payable wages")
    batch_id: str


class UtilityMonth(CreditTable, table=True):
    """Water and electricity use of one employer in one month (水电用量)."""

    __tablename__ = "utility_months"

    credit_code: str = Field(primary_key=True)
    month: date = Field(primary_key=True)
    water_m3: Decimal = Field(sa_type=sa.Numeric(16, 2))
    electricity_kwh: Decimal = Field(sa_type=sa.Numeric(16, 2))
    batch_id: str


class JudgmentDebtor(CreditTable, table=True):
    """An entry of the court's judgment-debtor list (被执行人名单); `removed_on` when it ended."""

    __tablename__ = "judgment_debtors"

    credit_code: str = Field(primary_key=True)
    court_case_number: str = Field(primary_key=True, description="执行案号")
    court: str
    amount: Decimal = Field(sa_type=_MONEY)
    listed_on: date
    removed_on: date | None = None
    batch_id: str


class IngestBatch(CreditTable, table=True):
    """One batch of one source: a file (uploaded or dropped in the watched directory) or a single
    record. The same content of the same source is one batch (`digest`)."""

    __tablename__ = "ingest_batches"
    __table_args__ = (sa.UniqueConstraint("source", "digest"),)

    id: str = Field(primary_key=True)
    source: str = Field(description="attendance, insurance, payroll, utility or judgment_debtors")
    digest: str = Field(description="hex SHA-256 of the content")
    via: str = Field(description="upload, directory or record")
    filename: str = ""
    format: str = Field(description="csv or jsonl")
    status: str = Field(description="loading, done or failed")
    rows_total: int = 0
    rows_changed: int = Field(default=0, description="inserted or different from what was stored")
    rows_unchanged: int = 0
    rows_rejected: int = 0
    error: str = ""
    received_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    finished_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class IngestRejection(CreditTable, table=True):
    """A row a batch rejected, with its number in the file (1 = first data row) and why."""

    __tablename__ = "ingest_rejections"

    batch_id: str = Field(foreign_key="ingest_batches.id", primary_key=True)
    row_number: int = Field(primary_key=True)
    reason: str


class EvaluationDue(CreditTable, table=True):
    """An employer whose shared data changed: early warnings re-evaluate it (and only it)."""

    __tablename__ = "evaluations_due"

    credit_code: str = Field(primary_key=True)
    queued_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    traceparent: str | None = Field(default=None, description="the trace of the batch that queued "
                                    "it, which the warnings it raises or clears continue")


projects = Project.__table__  # type: ignore[attr-defined]
attendance_months = AttendanceMonth.__table__  # type: ignore[attr-defined]
insurance_months = InsuranceMonth.__table__  # type: ignore[attr-defined]
payroll_months = PayrollMonth.__table__  # type: ignore[attr-defined]
utility_months = UtilityMonth.__table__  # type: ignore[attr-defined]
judgment_debtors = JudgmentDebtor.__table__  # type: ignore[attr-defined]
ingest_batches = IngestBatch.__table__  # type: ignore[attr-defined]
ingest_rejections = IngestRejection.__table__  # type: ignore[attr-defined]
evaluations_due = EvaluationDue.__table__  # type: ignore[attr-defined]
