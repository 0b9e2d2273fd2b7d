"""Options of a ``files`` source (JSONL, CSV and JSON exports on the local disk)."""

from __future__ import annotations

import codecs
from datetime import UTC, tzinfo
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from common.zones import known_zone
from listeners.bounds import MIB, NonBlank, within
from listeners.file_fields import DateOrder, FileFields


class FilesOptions(BaseModel):
    """Options of a ``files`` source: JSONL/CSV exports on the local disk."""

    model_config = ConfigDict(extra="forbid")

    path: NonBlank = Field(
        description="A file, a directory (its *.jsonl, *.ndjson, *.json, *.csv files) "
        "or a glob pattern such as exports/*.jsonl."
    )
    format: Literal["auto", "jsonl", "csv"] = Field(
        default="auto", description="File format; 'auto' goes by the file extension."
    )
    platform: NonBlank = Field(
        default="file", description="Platform key for rows that do not name one."
    )
    fields: FileFields = Field(default_factory=FileFields, description="Column/key mapping.")
    encoding: str = Field(default="utf-8", description="Text encoding (ASCII-compatible).")
    csv_delimiter: str = Field(
        default=",", min_length=1, max_length=1, description="CSV delimiter."
    )
    page_size: Annotated[int, within(1, 10_000, "records")] = Field(
        default=500, description="Records per page, one DB transaction each (1-10000)."
    )
    max_record_bytes: Annotated[int, within(1024, 64 * MIB, "bytes")] = Field(
        default=MIB, description="Longest JSONL line or CSV row; longer ones are skipped."
    )
    timezone: str | None = Field(
        default=None,
        description="IANA time zone of times written without an offset ('2026-11-20 "
        "14:30', as spreadsheets export them); default: the project's timezone setting.",
    )
    date_order: DateOrder = Field(
        default="dmy",
        description="How a numeric date such as '05/12/2026' is read: dmy, day first "
        "(5 December, as in Indonesia and most of the world), or mdy, month first (US); "
        "a date only the other order fits (25/12/2026) is read that way.",
    )
    settle_s: Annotated[int, within(0, 86_400, "seconds")] = Field(
        default=60,
        description="A last line without a newline (a CSV row, or a JSONL line that is not "
        "a whole JSON object) is read once the file has not changed for this long; before "
        "that it may still be being written and waits for the next poll (0-86400).",
    )

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codec = codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown text encoding {value!r}; use e.g. utf-8") from None
        if "\n".encode(codec.name, errors="replace") != b"\n":
            raise ValueError(f"{value!r} is not ASCII-compatible; convert the file to utf-8")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return None if value is None else known_zone(value)

    @property
    def zone(self) -> tzinfo:
        """Where times without an offset are (UTC when neither the source nor the project
        names a zone)."""
        return ZoneInfo(self.timezone) if self.timezone else UTC
