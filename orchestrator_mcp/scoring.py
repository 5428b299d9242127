"""Lead scoring from engagement: opens, clicks, replies, interest status and recency.

score = clamp(0, 100, (opens*w.open capped + clicks*w.click capped + replies*w.reply + interest bonus)
              * 0.5 ** (days since last engagement / w.half_life_days))

The weights are stored in the app config under `scoring_weights` and set with the configure tool.
"""

from __future__ import annotations

import time

from pydantic import BaseModel, Field

# Instantly's lead interest codes (lt_interest_status) and what each is worth.
INTEREST_NAMES = {
    1: "interested", 2: "meeting_booked", 3: "meeting_completed", 4: "won", 0: "out_of_office",
    -1: "not_interested", -2: "wrong_person", -3: "lost", -4: "no_show",
}


class ScoringWeights(BaseModel):
    open: float = Field(5.0, description="Points per open.")
    max_opens: int = Field(3, description="Opens beyond this count add nothing.")
    click: float = Field(15.0, description="Points per link click.")
    max_clicks: int = Field(2, description="Clicks beyond this count add nothing.")
    reply: float = Field(30.0, description="Points for replying (once).")
    interested: float = Field(25.0, description="Bonus when marked interested.")
    meeting_booked: float = Field(40.0, description="Bonus when a meeting is booked or completed.")
    not_interested: float = Field(-100.0, description="Penalty when marked not interested, wrong person or lost.")
    half_life_days: float = Field(14.0, gt=0, description="Days for the score to halve without new engagement.")


def interest_bonus(code: int | None, w: ScoringWeights) -> float:
    if code is None:
        return 0.0
    if code == 1:
        return w.interested
    if code in (2, 3, 4):
        return w.meeting_booked
    if code in (-1, -2, -3):
        return w.not_interested
    return 0.0


def score(
    *,
    opens: int,
    clicks: int,
    replies: int,
    interest_status: int | None,
    last_engaged_at: float | None,
    weights: ScoringWeights,
    now: float | None = None,
) -> float:
    raw = (
        min(opens, weights.max_opens) * weights.open
        + min(clicks, weights.max_clicks) * weights.click
        + (weights.reply if replies > 0 else 0.0)
        + interest_bonus(interest_status, weights)
    )
    if last_engaged_at is not None:
        days = max(0.0, ((now or time.time()) - last_engaged_at) / 86400)
        raw *= 0.5 ** (days / weights.half_life_days)
    return round(max(0.0, min(100.0, raw)), 1)
