"""The console's people search lists authors known only by a name (no person record),
with the command that erases them; before, a search for one found no one."""

from __future__ import annotations

import html
import shlex
from datetime import UTC, datetime

from common.records import Author, Mention
from storage.mentions import save_mentions
from tests.web.conftest import Console
from tests.web.test_console_http import _signed_in

NAME = "Gilang O'Brien <b>Permana</b>"


def test_people_search_lists_name_only_authors_with_the_erase_command(console: Console) -> None:
    post = Mention(
        platform="rss", external_id="urn:gilang", source="blog", brand="kopi-senja",
        text="Kopi Senja Kemang antrinya lama", author=Author("rss", display_name=NAME),
        created_at=datetime(2026, 11, 22, tzinfo=UTC),
    )  # fmt: skip
    with console.app.db.session() as session:
        save_mentions(session, [post], datetime.now(UTC))
    page = _signed_in(console, "sri").get("/people", params={"q": "gilang o'brien"})
    assert page.status_code == 200 and 'id="name-only"' in page.text
    assert "<b>Permana</b>" not in page.text  # shown as text, never as markup
    command = f"simak forget {shlex.quote('name:' + NAME)} --source blog"
    assert command in html.unescape(page.text)  # quoted for the shell (the apostrophe)
    none = _signed_in(console, "sri").get("/people", params={"q": "nobody-like-this"})
    assert 'id="none"' in none.text and 'id="name-only"' not in none.text
