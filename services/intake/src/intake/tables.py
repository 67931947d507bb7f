"""Base of intake's SQLModel tables, on a metadata of its own: several services' models can be
imported into one process (tests, tools) without their table names clashing."""

from __future__ import annotations

from sqlalchemy.orm import registry
from sqlmodel import SQLModel


class IntakeTable(SQLModel, registry=registry()):
    pass
