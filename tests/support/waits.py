"""Waiting policies for connector tests: checks back to back, no pauses."""

from tidings.platforms.connectors.waiting import Patience

# Checks again at once within a step for up to a second (a few "not yet" answers, then ready).
QUICK = Patience(first=0.0, longest=0.0, most=600.0, inline=1.0, inline_every=0.0)
# One check per step: the first "not yet" hands the wait back.
HAND_BACK = Patience(first=7.0, longest=60.0, most=600.0)
