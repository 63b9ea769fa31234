"""The project's exceptions; nothing here reads files or talks to a solver.

Exception tree::

    AllocatorError                 every error the library raises on purpose
    ├── InputError                 bad workbook or domain input; carries every Problem at once
    ├── SolveError                 the solver ran but gave no usable plan
    │   ├── InfeasibleError        no plan satisfies every constraint
    │   └── UnboundedError         the objective can grow without limit (a modelling bug)
    ├── SolverNotAvailableError    the named solver is unknown or not installed
    ├── ExecutorError              parallel or Dask runs cannot start (no Dask, no scheduler)
    └── OutputError                the plan cannot be written where asked (exists, locked, ...)

The command line turns each of these into a one-line message and exit code 1.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "AllocatorError",
    "ExecutorError",
    "InfeasibleError",
    "InputError",
    "OutputError",
    "Problem",
    "SolveError",
    "SolverNotAvailableError",
    "UnboundedError",
]


@dataclass(frozen=True)
class Problem:
    """One fault in the input, located as precisely as the source allows.

    Attributes:
        sheet: Workbook sheet (or domain collection) the fault is in, e.g. ``Sites``.
        message: What is wrong and what would be valid.
        cell: Excel address such as ``C7`` when known.
        column: Column header (field name) when known.
        value: The offending value, when there is one.
        record: The record's name (site, contract) when no cell is known.
    """

    sheet: str
    message: str
    cell: str | None = None
    column: str | None = None
    value: object = None
    record: str | None = None

    @property
    def location(self) -> str:
        """``Sheet!C7``, ``Contracts[Lease-B].min_mw`` or ``Sheet``."""
        if self.cell:
            return f"{self.sheet}!{self.cell}"
        where = self.sheet
        if self.record:
            where += f"[{self.record}]"
        if self.column:
            where += f".{self.column}"
        return where

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}"
        if self.value is not None and self.value != "":
            text += f" (got {self.value!r})"
        return text


class AllocatorError(Exception):
    """Base of every error this package raises on purpose."""


class InputError(AllocatorError):
    """The input has one or more faults; ``problems`` lists every one found.

    That is every fault of the input, unless reading stopped early: a workbook with more
    faults than anyone reads (a fault in each of 300,000 rows) is read only up to its first
    thousand. Then ``problems`` holds the faults found so far and ``stopped`` says where
    reading stopped and what was not checked; the message's first line says so too.

    Attributes:
        problems: The faults found, each located.
        source: The file or input they are in, when known.
        stopped: ``None``, or the line saying reading stopped early and what it left
            unchecked (``Sites: stopped after 1,000 problems; rows 1,002 to 330,001 ...``).
    """

    def __init__(self, problems: Iterable[Problem], source: str | None = None,
                 stopped: Problem | None = None) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.source = source
        self.stopped = stopped
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in {source or 'the input'}"
        lines = [f"  {p}" for p in self.problems]
        if stopped is not None:
            head = f"{count:,} problems in {source or 'the input'}; {stopped}"
            lines.append(f"  {stopped}")
        super().__init__(head + ":\n" + "\n".join(lines))


class SolveError(AllocatorError):
    """The solver finished without a usable plan.

    Attributes:
        status: How the solve ended (``time_limit``, ``infeasible``, ``error``, ...).
        gap: For ``time_limit``: the best solution's relative gap to the solver's bound,
            when the solver gave one.
    """

    def __init__(self, message: str, status: str = "error", gap: float | None = None) -> None:
        self.status = status
        self.gap = gap
        super().__init__(message)


class InfeasibleError(SolveError):
    """No allocation satisfies every constraint.

    ``explanation`` (an ``allocator.optimization.infeasibility.Explanation``) says why in
    plain words when it could be found.
    """

    def __init__(self, message: str, explanation: object = None) -> None:
        self.explanation = explanation
        super().__init__(message, status="infeasible")


class UnboundedError(SolveError):
    """The objective is unbounded, which means a modelling bug: every variable has a cap."""

    def __init__(self, message: str) -> None:
        super().__init__(message, status="unbounded")


class SolverNotAvailableError(AllocatorError):
    """The named solver is unknown to PuLP or not installed here."""


class OutputError(AllocatorError):
    """The plan cannot be written: the target exists, is locked, or would lose content."""


class ExecutorError(AllocatorError):
    """The executor cannot run: Dask missing, scheduler unreachable, a worker died."""
