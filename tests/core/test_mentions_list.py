"""`simak mentions`: "other" is visible (`--label other`), and the check-me band flags the
labels the model is unsure of, in the listing and in the queue."""

from __future__ import annotations

import pytest

from classifier.uncertainty import unsure
from tests.core.conftest import Project


def test_other_is_listed_and_each_label_filters(project: Project) -> None:
    assert project.run("poll").exit_code == 0
    every = project.json("mentions")
    assert len(every) >= 5
    created = [m["created_at"] for m in every]
    assert created == sorted(created, reverse=True)
    other = project.json("mentions", "--label", "other")
    classified_other = [m for m in every if m["scores"] and not m["labels"]]
    assert {m["id"] for m in other} == {m["id"] for m in classified_other}
    complaints = project.json("mentions", "--label", "complaint")
    assert complaints and all("complaint" in m["labels"] for m in complaints)
    assert any("double charge" in m["text"] for m in complaints)
    assert len(project.json("mentions", "--limit", "2")) == 2


def test_unknown_filter_is_one_line_exit_2(project: Project) -> None:
    result = project.run("mentions", "--label", "angry")
    assert result.exit_code == 2 and "praise, complaint, idea, other" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_check_me_band_flags_unsure_labels_in_mentions_and_queue(project: Project) -> None:
    text = project.config.read_text("utf-8").replace(
        "backend: keywords", "backend: keywords\n  check_me: [0.55, 0.8]"
    )
    project.config.write_text(text, "utf-8")
    assert project.run("poll").exit_code == 0
    for m in project.json("mentions"):
        expected = [lab for lab in ("praise", "complaint", "idea")
                    if 0.55 <= m["scores"].get(lab, 0) < 0.8]  # fmt: skip
        assert m["check_me"] == expected
    flagged = project.json("mentions", "--unsure")
    assert flagged and all(m["check_me"] for m in flagged)
    queue = project.json("queue")
    assert all(i["check_me"] == list(unsure(i["scores"], (0.55, 0.8))) for i in queue)
    table = project.run("queue").stdout
    if any(i["check_me"] for i in queue):
        assert "check me:" in table


def test_band_bounds_are_checked(project: Project) -> None:
    text = project.config.read_text("utf-8").replace(
        "backend: keywords", "backend: keywords\n  check_me: [0.9, 0.3]"
    )
    project.config.write_text(text, "utf-8")
    result = project.run("stats")
    assert result.exit_code == 2 and "check_me" in result.stderr


@pytest.mark.parametrize(
    ("scores", "band", "expected"),
    [
        ({"praise": 0.95, "complaint": 0.1, "idea": 0.0}, (0.3, 0.9), ()),
        ({"praise": 0.5, "complaint": 0.3, "idea": 0.9}, (0.3, 0.9), ("praise", "complaint")),
        ({"praise": 0.29, "complaint": 0.89}, (0.3, 0.9), ("complaint",)),
        ({}, (0.0, 1.0), ("praise", "complaint", "idea")),  # a missing score counts as 0
    ],
)
def test_unsure_band(
    scores: dict[str, float], band: tuple[float, float], expected: tuple[str, ...]
) -> None:
    assert unsure(scores, band) == expected
