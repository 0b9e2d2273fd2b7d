"""No public path: nothing in Simak's packages calls a client library's public-posting API.

The scan reads every module's syntax tree (not its text), so comments and docstrings that
name these calls are fine; a call is not, whichever object it is made on.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("simak", "common", "listeners", "classifier", "responder", "storage")

#: Public-posting calls of tweepy, praw, Mastodon.py and atproto (and their aliases).
PUBLIC_CALLS = frozenset(
    {
        # tweepy (X API v2 and v1.1)
        "create_tweet", "update_status", "update_status_with_media", "retweet",
        "quote_tweet", "update_with_media",
        # praw (submissions, comments, replies are public; crossposts too)
        "submit", "submit_image", "submit_video", "submit_gallery", "submit_poll",
        "crosspost", "reply", "comment", "add_comment",
        # Mastodon.py (status_post is checked separately: only visibility="direct" passes)
        "status_reply", "toot", "status_reblog", "status_update", "status_quote",
        # atproto
        "send_post", "send_image", "send_images", "send_video", "repost", "create_record",
        "apply_writes", "put_record",
    }
)  # fmt: skip


def _violations(tree: ast.AST, name: str) -> list[str]:
    imports_atproto = any(
        isinstance(node, ast.Import | ast.ImportFrom)
        and any(
            (getattr(node, "module", None) or alias.name).startswith("atproto")
            for alias in node.names
        )
        for node in ast.walk(tree)
    )
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "post"
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "feed"
        ):
            found.append(f"{name}:{node.lineno} app.bsky.feed.post")
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Name) and node.func.id == "getattr":
            literal = node.args[1] if len(node.args) > 1 else None
            if isinstance(literal, ast.Constant) and literal.value in PUBLIC_CALLS:
                found.append(f"{name}:{node.lineno} getattr(..., {literal.value!r})")
            continue
        if not isinstance(node.func, ast.Attribute):
            continue
        attr = node.func.attr
        keywords = {k.arg: k.value for k in node.keywords}
        if attr in PUBLIC_CALLS:
            found.append(f"{name}:{node.lineno} {attr}()")
        elif attr == "status_post":
            visibility = keywords.get("visibility")
            if not (isinstance(visibility, ast.Constant) and visibility.value == "direct"):
                found.append(f"{name}:{node.lineno} status_post() without visibility='direct'")
        elif attr == "post" and (imports_atproto or "text" in keywords or "reply_to" in keywords):
            found.append(f"{name}:{node.lineno} post() (atproto's public post)")
    return found


def scan(root: Path) -> list[str]:
    """Every public-posting call under ``root``'s packages, as 'file:line what'."""
    found: list[str] = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            found += _violations(tree, str(path.relative_to(root)))
    return found


def test_no_package_can_post_publicly() -> None:
    scanned = sum(1 for p in PACKAGES for _ in (ROOT / p).rglob("*.py"))

    assert scanned > 50  # the whole codebase, not an empty folder
    assert scan(ROOT) == []


def test_the_scan_catches_every_kind_of_public_call(tmp_path: Path) -> None:
    bad = tmp_path / "responder"
    bad.mkdir()
    (bad / "oops.py").write_text(
        "import atproto\n"
        "client.create_tweet(text='hi')\n"
        "reddit.subreddit('x').submit('t', selftext='b')\n"
        "comment.reply('thanks')\n"
        "api.status_post('hi')\n"
        "api.status_post('hi', visibility='public')\n"
        "api.status_post('hi', visibility=mode)\n"
        "api.status_post('@a hi', visibility='direct')\n"
        "api.status_reply(status, 'hi', visibility='direct')\n"
        "bsky.send_post('hi')\n"
        "bsky.post('hi')\n"
        "bsky.app.bsky.feed.post.create(repo, record)\n"
        "getattr(client, 'create_tweet')(text='x')\n",
        encoding="utf-8",
    )
    for package in PACKAGES:
        (tmp_path / package).mkdir(exist_ok=True)

    found = scan(tmp_path)

    assert len(found) == 11  # all but the direct status_post
    assert not any(":8 " in f for f in found)
