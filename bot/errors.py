"""Orienta's exceptions.

    OrientaError
    ├── ConfigError           a setting is missing or malformed
    ├── FlowDefinitionError   a flow refers to a step or option that does not exist
    ├── HelpStateError        a help episode is not in a state that allows this
    └── StorageError          the database cannot be reached or is not migrated

Bad input from a person is never an exception: the flow runner turns it into a reprompt.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "FlowDefinitionError",
    "HelpStateError",
    "OrientaError",
    "StorageError",
]


class OrientaError(Exception):
    """Root of every error Orienta raises on purpose."""


class ConfigError(OrientaError):
    pass


class FlowDefinitionError(OrientaError):
    pass


class StorageError(OrientaError):
    pass


class HelpStateError(OrientaError):
    """A help episode is not in a state that allows this (taken by someone else, closed)."""
