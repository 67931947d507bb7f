"""A matter's state machine as a table of (state, command) → next state, shared by blacklist
entries and credit repairs; and the 409 a command that does not apply is answered with."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Generic, TypeVar

from labor_runtime.problems import Problem

S = TypeVar("S", bound=StrEnum)
C = TypeVar("C", bound=StrEnum)


class IllegalTransition(Exception):
    def __init__(self, matter: str, state: StrEnum, command: StrEnum) -> None:
        super().__init__(f"{matter} that is {state.value} cannot "
                         f"{command.value.replace('_', ' ')}")
        self.state = state
        self.command = command


class Transitions(Generic[S, C]):
    """`transitions(state, command)`: the next state; raises `IllegalTransition` naming both."""

    def __init__(self, matter: str, table: Mapping[tuple[S, C], S]) -> None:
        self.matter = matter
        self.table = dict(table)

    def __call__(self, state: S, command: C) -> S:
        try:
            return self.table[(state, command)]
        except KeyError:
            raise IllegalTransition(self.matter, state, command) from None


def move(transitions: Transitions[S, C], state: S, command: C) -> S:
    """The next state; 409 naming the state when the command does not apply."""
    try:
        return transitions(state, command)
    except IllegalTransition as exc:
        raise Problem(409, "illegal-transition", "Not possible in this state", str(exc),
                      state=state.value) from None
