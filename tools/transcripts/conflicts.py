"""Keeps out new stories that contradict the training data, before anything is written.

A conversation recorded by an older model (or labelled differently since) can reach a
state that a story in data/ continues another way. `rasa data validate` would then fail
with a story structure conflict, so such a story goes to the report instead, naming the
stories it disagrees with. This is the same check, with the same full history, that
`rasa data validate` runs.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tools.transcripts.convert import Flag
from tools.transcripts.write import Plan, render_story


def conflicts(project: Path, result: Plan, domain) -> dict[str, set[str]]:
    """New story name -> the names of the stories it conflicts with."""
    if not result.stories:
        return {}
    from rasa.core.training.story_conflict import find_story_conflicts
    from rasa.shared.core.generator import TrainingDataGenerator
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
    from rasa.shared.importers.utils import story_graph_from_paths

    new = {name for name, _ in result.stories}
    with tempfile.TemporaryDirectory() as folder:
        candidates = Path(folder) / "candidates.yml"
        candidates.write_text(
            'version: "3.1"\nstories:\n'
            + "\n".join(render_story(name, outcome) for name, outcome in result.stories),
            encoding="utf-8",
        )
        files = [
            str(path)
            for path in sorted((project / "data").rglob("*.yml"))
            if YAMLStoryReader.is_stories_file(path)
        ]
        graph = story_graph_from_paths([*files, str(candidates)], domain)
    trackers = TrainingDataGenerator(
        graph, domain=domain, remove_duplicates=False, augmentation_factor=0
    ).generate_story_trackers()
    found: dict[str, set[str]] = {}
    for conflict in find_story_conflicts(trackers, domain, None):
        # Rasa 3.6 keeps the story names per action only in this attribute.
        names = {name for stories in conflict._conflicting_actions.values() for name in stories}
        for name in names & new:
            found.setdefault(name, set()).update(names - {name})
    return found


def hold_back_conflicts(project: Path, result: Plan, domain) -> None:
    """Moves conflicting new stories from `result.stories` to `result.review`, flagged."""
    found = conflicts(project, result, domain)
    kept = []
    for name, outcome in result.stories:
        if name not in found:
            kept.append((name, outcome))
            continue
        others = ", ".join(f"'{other}'" for other in sorted(found[name])) or "another new story"
        outcome.flags.append(
            Flag(
                0,
                "conflicts with the training data",
                f"a state in this conversation is continued differently by {others}",
            )
        )
        result.review.append(outcome)
    result.stories = kept
