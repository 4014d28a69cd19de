from ember.core.pacing import LongMessagePace


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_one_long_message_per_pause_for_each_conversation():
    clock = Clock()
    pace = LongMessagePace(pause_seconds=5, clock=clock)
    assert pace.takes("a")
    assert not pace.takes("a")
    assert pace.takes("b"), "another conversation has its own pause"
    clock.now += 4.9
    assert not pace.takes("a")
    clock.now += 0.2
    assert pace.takes("a")


def test_a_refused_message_does_not_extend_the_pause():
    clock = Clock()
    pace = LongMessagePace(pause_seconds=5, clock=clock)
    assert pace.takes("a")
    for _ in range(4):
        clock.now += 1
        assert not pace.takes("a")
    clock.now += 1
    assert pace.takes("a")


def test_memory_stays_bounded_under_a_flood_of_new_conversations():
    clock = Clock()
    pace = LongMessagePace(pause_seconds=5, clock=clock, most_remembered=3)
    for name in "abcdef":
        assert pace.takes(name)
    assert not pace.takes("f")
    assert pace.takes("a"), "the oldest conversations are let go first"
