"""Flows: conversations written as data, executed by one generic runner.

    model.py        what a flow is made of: steps, options, events, replies
    runner.py       start / advance / restart / repair: pure functions, no I/O
    text.py         reading what people type: numbers, words, several choices
    registry.py     flows by name (each conversation names its flow)
    common.py       the steps every flow has (language, erasure)
    orientation.py  the orientation, the default flow
    booking.py      the booking steps that follow it
    geo.py          Guinea's regions and prefectures, as options

A flow never talks to a channel or to the database: the engine applies its events.
"""

from __future__ import annotations

from bot.flows.orientation import ORIENTATION
from bot.flows.registry import register

__all__ = ["ORIENTATION"]

register(ORIENTATION)
