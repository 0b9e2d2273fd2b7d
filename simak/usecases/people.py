"""People: who someone is across platforms; merges staff can undo."""

from __future__ import annotations

import shlex

from sqlalchemy.orm import Session

from simak.app import App
from simak.usecases.route import BatchRouter
from simak.wiring import build_router
from storage import care, merge_suggestions, people
from storage.merge_suggestions import Suggestion
from storage.name_only import AuthorMatch as AuthorMatch
from storage.name_only import find_authors as find_name_only
from storage.people import MergeRecord
from storage.people_search import DEFAULT_LIMIT, find_people
from storage.people_search import PersonMatch as PersonMatch
from storage.person_view import PersonView as PersonView
from storage.person_view import person_view


def show(app: App, person_id: int) -> PersonView:
    """Every handle, mention and follow-up of a person, and their merges."""
    with app.db.read() as session:
        return person_view(session, person_id)


def find(app: App, query: str, limit: int = DEFAULT_LIMIT) -> list[PersonMatch]:
    """People a request may mean: by handle, name, email, platform user id or id."""
    with app.db.read() as session:
        return find_people(session, query, limit)


def find_authors(app: App, query: str, limit: int = DEFAULT_LIMIT) -> list[AuthorMatch]:
    """Authors known only by a display name (no person record) whose name contains
    ``query``, one per source: an erasure request from one is met by name."""
    with app.db.read() as session:
        return find_name_only(session, query, limit)


def forget_command(author: AuthorMatch) -> str:
    """The shell command that erases a name-only author's posts in their source."""
    name = " ".join(author.name.split())
    return f"simak forget {shlex.quote('name:' + name)} --source {shlex.quote(author.source)}"


def merge(app: App, kept_id: int, merged_id: int, actor: str, reason: str = "") -> MergeRecord:
    """Merge ``merged_id`` into ``kept_id`` (recorded; `unmerge` restores both). Their open
    conversations with a brand become one, re-planned from all the posts."""
    router = BatchRouter(app.settings, build_router(app), app.approved)
    with app.db.session() as session:
        record = people.merge(session, kept_id, merged_id, actor, app.clock(), reason)
        _replan(router, session, record, actor, app, "people merged")
    return record


def unmerge(app: App, merge_id: int, actor: str) -> MergeRecord:
    """Undo a recorded merge (conversations folded together are split again)."""
    router = BatchRouter(app.settings, build_router(app), app.approved)
    with app.db.session() as session:
        record = people.unmerge(session, merge_id, actor, app.clock())
        _replan(router, session, record, actor, app, "people unmerged")
    return record


def _replan(
    router: BatchRouter, session: Session, record: MergeRecord, actor: str, app: App, why: str
) -> None:
    for followup_id in record.conversations:
        router.replan_conversation(session, followup_id, actor, app.clock(), why)


def suggestions(app: App) -> list[Suggestion]:
    """People who may be one person, for staff to confirm (merge) or reject."""
    with app.db.read() as session:
        return merge_suggestions.open_suggestions(session)


def reject(app: App, suggestion_id: int, actor: str) -> None:
    """The two people of a suggestion are different."""
    with app.db.session() as session:
        merge_suggestions.reject_suggestion(session, suggestion_id, actor, app.clock())


def note(app: App, person_id: int, text: str, author: str) -> int:
    """Leave a note about a person for colleagues; returns its id."""
    with app.db.session() as session:
        return care.add_note(session, person_id, text, author, app.clock())


def do_not_contact(app: App, person_id: int, actor: str, reason: str | None) -> None:
    """Every channel refuses this person (``reason`` None: they may be contacted again).
    Follow-ups to them stay visible to staff, but nothing is sent."""
    with app.db.session() as session:
        care.set_do_not_contact(session, person_id, actor, app.clock(), reason)
