"""Has the customer said their problem is solved? (Their own later post, in a conversation.)

Staff still close the conversation themselves — a "thanks, it's sorted" lowers urgency,
never closes anything — so false positives cost little and the cues can be generous.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from common.text import fold
from responder.base import RouteInput

_SOLVED: Final = re.compile(
    "|".join(
        (
            r"\b(sudah|udah|udh|dah|sdh|telah)\s+(di\s?)?(hubungi|kontak|telp|telepon|dm)",
            r"\b(sudah|udah|udh|dah|sdh|telah)\s+(di\s?)?(beres|selesai|teratasi|diatasi|"
            r"diperbaiki|dibenerin|dibalikin|dikembalikan|direfund|refund|ditangani|diganti)",
            r"\bmasalah\w*\s+(sudah|udah|udh|dah|sdh|telah)\s+\w+",
            r"\b(dana|uang|duit|saldo)\w*\s+(sudah|udah|udh|dah|sdh|telah)\s+(kembali|balik|masuk)",
            r"\b(already|just)\s+(contacted|called|messaged|emailed|refunded|fixed|sorted)",
            r"\b(has|have|was|were|got|is|are)\s+(been\s+)?(resolved|fixed|sorted|refunded)",
            r"\b(issue|problem|it)\s+(is\s+|was\s+)?(now\s+)?(resolved|fixed|sorted)",
            r"\b(all\s+good\s+now|problem\s+solved|thanks\s+for\s+sorting)",
            r"\brefund\w*\s+(came|arrived|went\s+through|received)",
        )
    )
)


def says_solved(text: str) -> bool:
    """True when ``text`` says the author's problem was handled."""
    return _SOLVED.search(fold(text)) is not None


def resolved_by_newest(items: Sequence[RouteInput]) -> bool:
    """The newest post (items are oldest first) follows a complaint and says it is solved,
    or only praises now."""
    if len(items) < 2 or not any("complaint" in i.labels for i in items[:-1]):
        return False
    newest = items[-1]
    if "complaint" in newest.labels and not says_solved(newest.text):
        return False
    return says_solved(newest.text) or "praise" in newest.labels
