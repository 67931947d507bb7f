"""Message contracts of the labor-security inspection platform (智慧监察)."""

from labor_contracts.envelope import Envelope
from labor_contracts.events import EventData
from labor_contracts.registry import EVENT_TYPES, model_for

__all__ = ["EVENT_TYPES", "Envelope", "EventData", "model_for"]
