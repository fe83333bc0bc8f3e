"""Form fields the partner, service and slot pages share: a list of checkboxes, choices
from (key, label) pairs, and what a posted text becomes once tidied."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from wtforms import SelectChoice, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

__all__ = ["Checkboxes", "choices", "keep_unknown", "tidy"]


class Checkboxes(SelectMultipleField):
    """Several choices as checkboxes (usable without JavaScript, on a small screen)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def choices(pairs: Callable[[], Iterable[tuple[str, str]]]) -> Callable[[], list[SelectChoice]]:
    """Choices read when the form is shown, so labels are in the request's language."""
    return lambda: [SelectChoice(value=key, label=text) for key, text in pairs()]


def keep_unknown(field: Any, stored: Iterable[str]) -> None:
    """Keys stored before a list changed stay offered (and so stay saved) rather than
    being dropped silently at the next save."""
    known = {c.value for c in field.choices}
    extra = [SelectChoice(value=key, label=key) for key in stored if key not in known]
    if extra:
        field.choices = [*field.choices, *extra]


def tidy(text: str | None) -> str:
    """A posted line without surrounding or repeated spaces."""
    return " ".join((text or "").split())
