"""Shapes of what people and partner systems type into the API, shared by every service's request
models: a value the database could not hold or the rules never meant is refused at the model with
a 422 naming the field, and the OpenAPI document shows the same bounds the server enforces."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from annotated_types import Ge, Lt
from pydantic import AfterValidator, Field, StringConstraints

# Money columns are NUMERIC(14, 2): twelve digits of yuan and the fen.
MONEY_LIMIT = Decimal("1e12")


def _not_blank(value: str) -> str:
    # Python's idea of a space (that of the `\S` below, as clients' generators read it) also
    # counts the separators U+001C..U+001F, which the stripping before leaves in place.
    if not value.strip():
        raise ValueError("must not be blank")
    return value


# The pattern tells clients (and generated tests) what the validator refuses.
Text = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_not_blank),
                 Field(json_schema_extra={"pattern": r"\S"})]
"""Required human-entered text (a name, a reason, facts): stripped, and refused when nothing is
left; a field's own `min_length`/`max_length` count the stripped text."""

Money = Annotated[Decimal, Ge(0), Lt(MONEY_LIMIT),
                  Field(max_digits=14, decimal_places=2, allow_inf_nan=False)]
"""An amount in yuan with its fen, as the money columns store it; a field may narrow it with
`gt` or `le`."""
