"""Credential references, cursors and value conversion shared by the listeners."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import BaseModel

from common.credentials import SecretRef, resolve, resolve_optional
from common.errors import CredentialMissing
from listeners import cursors
from listeners.convert import html_to_text, parse_time


class Opts(BaseModel):
    token: SecretRef


def test_secret_refs_only_and_resolution() -> None:
    assert Opts(token="${API_TOKEN}").token == "${API_TOKEN}"
    with pytest.raises(ValueError, match="environment reference"):
        Opts(token="hunter2")
    assert resolve("src", "${API_TOKEN}", {"API_TOKEN": "s3cret"}) == "s3cret"
    with pytest.raises(CredentialMissing) as info:
        resolve("src", "${API_TOKEN}", {"API_TOKEN": ""})
    assert info.value.variable == "API_TOKEN"
    assert "export API_TOKEN=" in str(info.value)
    assert resolve_optional("src", None, {}) is None


def test_cursor_helpers() -> None:
    assert cursors.load(None) == {}
    assert cursors.load("not json") == {}
    assert cursors.load("[1]") == {}
    assert cursors.load(cursors.dump({"b": 1, "a": "é"})) == {"a": "é", "b": 1}
    assert cursors.remember(["a", "b", "c"], ["d", "a"], limit=3) == ["d", "a", "b"]
    assert len(cursors.digest("at://did:plc:x/app.bsky.feed.post/abc")) == 16


def test_html_to_text() -> None:
    html = "<p>App nya <b>lemot</b> bgt &amp; crash</p><script>x()</script><p>tolong fix</p>"
    assert html_to_text(html) == "App nya lemot bgt & crash\n\ntolong fix"
    assert html_to_text("plain &lt;text&gt;") == "plain <text>"
    assert html_to_text(None) == ""
    # Cells, headings and list items are separate words, so brand terms still match.
    cells = "<table><tr><td>Kopi Senja</td><td>enak</td></tr></table><h5>Ulasan</h5>bagus"
    assert html_to_text(cells) == "Kopi Senja enak\n\nUlasan\nbagus"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-20T08:00:00Z", datetime(2026, 11, 20, 8, tzinfo=UTC)),
        ("2026-11-20T15:00:00+07:00", datetime(2026, 11, 20, 8, tzinfo=UTC)),
        ("2026-11-20T08:00:00", datetime(2026, 11, 20, 8, tzinfo=UTC)),
        (1795000000, datetime.fromtimestamp(1795000000, UTC)),
        ("1795000000000", datetime.fromtimestamp(1795000000, UTC)),
        ("Fri, 20 Nov 2026 15:00:00 +0700", datetime(2026, 11, 20, 8, tzinfo=UTC)),
        ("Fri Nov 20 08:00:00 +0000 2026", datetime(2026, 11, 20, 8, tzinfo=UTC)),
        ("yesterday", None),
        ("Mon, 99 Foo 2026", None),
        (None, None),
        (True, None),
    ],
)
def test_parse_time(value: object, expected: datetime | None) -> None:
    assert parse_time(value) == expected
