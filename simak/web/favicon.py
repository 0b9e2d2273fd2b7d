"""The console's favicon, drawn here (a 16 × 16 ICO: an "S" on the nav bar's navy), so the
browser's /favicon.ico finds one and nothing is downloaded or checked in as a binary."""

from __future__ import annotations

import struct
from functools import cache

#: The picture, top row first: "#" the letter, "." the tile, " " transparent (the corners).
PICTURE = (
    " .............. ",
    "................",
    "................",
    "......####......",
    ".....######.....",
    "....##....##....",
    "....##..........",
    ".....#####......",
    "......#####.....",
    "..........##....",
    "....##....##....",
    ".....######.....",
    "......####......",
    "................",
    "................",
    " .............. ",
)
COLOURS = {"#": (0xCF, 0xE0, 0xFF, 0xFF), ".": (0x1D, 0x24, 0x30, 0xFF), " ": (0, 0, 0, 0)}


@cache
def favicon() -> bytes:
    """The ICO file: one 32-bit image (BGRA rows bottom-up, then an all-clear AND mask)."""
    size = len(PICTURE)
    pixels = b"".join(
        bytes((b, g, r, a)) for row in reversed(PICTURE) for r, g, b, a in (COLOURS[c] for c in row)
    )
    mask = bytes(((size + 31) // 32) * 4 * size)  # each row padded to 32 bits
    header = struct.pack("<IiiHHIIiiII", 40, size, size * 2, 1, 32, 0, 0, 0, 0, 0, 0)
    image = header + pixels + mask
    entry = struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(image), 6 + 16)
    return struct.pack("<HHH", 0, 1, 1) + entry + image
