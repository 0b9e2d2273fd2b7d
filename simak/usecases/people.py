"""People: who someone is across platforms; merges staff can undo."""

from __future__ import annotations

from simak.app import App
from storage import people
from storage.people import MergeRecord, Suggestion
from storage.person_view import PersonView as PersonView
from storage.person_view import person_view


def show(app: App, person_id: int) -> PersonView:
    """Every handle, mention and follow-up of a person, and their merges."""
    with app.db.read() as session:
        return person_view(session, person_id)


def merge(app: App, kept_id: int, merged_id: int, actor: str, reason: str = "") -> MergeRecord:
    """Merge ``merged_id`` into ``kept_id`` (recorded; `unmerge` restores both)."""
    with app.db.session() as session:
        return people.merge(session, kept_id, merged_id, actor, app.clock(), reason)


def unmerge(app: App, merge_id: int, actor: str) -> MergeRecord:
    """Undo a recorded merge."""
    with app.db.session() as session:
        return people.unmerge(session, merge_id, actor, app.clock())


def suggestions(app: App) -> list[Suggestion]:
    """People who may be one person, for staff to confirm (merge) or reject."""
    with app.db.read() as session:
        return people.open_suggestions(session)


def reject(app: App, suggestion_id: int, actor: str) -> None:
    """The two people of a suggestion are different."""
    with app.db.session() as session:
        people.reject_suggestion(session, suggestion_id, actor, app.clock())
