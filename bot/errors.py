"""Orienta's exceptions.

    OrientaError
    ├── ConfigError           a setting is missing or malformed
    ├── FlowDefinitionError   a flow refers to a step or option that does not exist
    └── StorageError          the database cannot be reached or is not migrated

Bad input from a person is never an exception: the flow runner turns it into a reprompt.
"""

from __future__ import annotations

__all__ = ["ConfigError", "FlowDefinitionError", "OrientaError", "StorageError"]


class OrientaError(Exception):
    """Root of every error Orienta raises on purpose."""


class ConfigError(OrientaError):
    pass


class FlowDefinitionError(OrientaError):
    pass


class StorageError(OrientaError):
    pass
