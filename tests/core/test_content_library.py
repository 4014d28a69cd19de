import pytest

from ember.core import content_library as library
from tests.content_fixtures import ITEM, write_item


def test_the_bundled_library_is_valid_and_broad():
    items = library.load()
    assert len(items) >= 80
    kinds = {item.kind for item in items.values()}
    assert kinds == set(library.KINDS)
    for item in items.values():
        if item.kind in library.KINDS_WITH_STEPS:
            assert 3 <= len(item.steps) <= 8, item.id
    flows = {flow for item in items.values() for flow in item.flows}
    assert flows == set(library.FLOWS)


def test_the_validator_command_reports_the_library(capsys):
    assert library.main([]) == 0
    assert "valid items" in capsys.readouterr().out


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"title": ""}, "missing title"),
        ({"kind": "video"}, "unknown kind"),
        ({"steps": ["only one"]}, "3 to 8 numbered steps"),
        ({"reading_minutes": 0}, "reading_minutes"),
        ({"tags": {"situations": ["any"], "feelings": [], "flows": ["grounding"]}}, "feelings"),
        (
            {"tags": {"situations": ["ghosted"], "feelings": ["any"], "flows": ["grounding"]}},
            "unknown tags.situations",
        ),
        ({"body": "Don't worry, he will come back to you."}, "never-list"),
        ({"body": "Book a coaching session for $40."}, "never-list"),
    ],
)
def test_an_invalid_item_is_refused_with_a_reason(tmp_path, changes, message):
    write_item(tmp_path, **changes)
    with pytest.raises(library.ContentError, match=message):
        library.load(tmp_path)


def test_ids_are_unique_and_match_their_file(tmp_path):
    write_item(tmp_path)
    (tmp_path / "card").mkdir()
    (tmp_path / "card" / "box-breathing.yml").write_text(
        (tmp_path / "exercise" / "box-breathing.yml").read_text()
    )
    with pytest.raises(library.ContentError, match="duplicate id"):
        library.load(tmp_path)


def test_an_id_must_match_its_file_name(tmp_path):
    write_item(tmp_path)
    (tmp_path / "exercise" / "box-breathing.yml").rename(tmp_path / "exercise" / "other.yml")
    with pytest.raises(library.ContentError, match="must match the file name"):
        library.load(tmp_path)


def test_unreadable_yaml_is_refused(tmp_path):
    (tmp_path / "broken.yml").write_text("id: [unclosed")
    with pytest.raises(library.ContentError, match="unreadable"):
        library.load(tmp_path)


def items(*specs):
    return [
        library.parse_item({**ITEM, "id": item_id, "tags": {**ITEM["tags"], **tags}}, item_id)
        for item_id, tags in specs
    ]


def test_select_prefers_an_exact_situation_and_skips_what_was_seen():
    pool = items(
        ("general", {"situations": ["any"]}),
        ("for-blocked", {"situations": ["they_blocked_me"]}),
        ("for-runner", {"situations": ["i_am_the_runner"]}),
    )
    chosen = library.select(pool, situation="they_blocked_me", limit=5)
    assert [item.id for item in chosen] == ["for-blocked", "general"]
    chosen = library.select(pool, situation="they_blocked_me", exclude=["for-blocked"])
    assert [item.id for item in chosen] == ["general"]


def test_without_a_known_situation_general_items_come_first():
    pool = items(("a-for-blocked", {"situations": ["they_blocked_me"]}), ("z-general", {}))
    assert [item.id for item in library.select(pool)] == ["z-general", "a-for-blocked"]


def test_select_filters_by_kind_flow_and_feeling():
    pool = items(
        ("calm", {"feelings": ["feeling_anxious"]}), ("sad", {"feelings": ["feeling_heartbroken"]})
    )
    assert [i.id for i in library.select(pool, feeling="feeling_anxious")] == ["calm"]
    assert library.select(pool, kind="card") == []
    assert library.select(pool, flow="boundaries") == []
    assert len(library.select(pool, limit=1)) == 1


def test_an_item_reads_as_title_body_and_numbered_steps():
    item = library.parse_item(ITEM, "box")
    assert item.text() == (
        "Box breathing\n\nA steady pattern for a racing heart."
        "\n1. Breathe in for four.\n2. Hold for four.\n3. Breathe out for four."
    )
