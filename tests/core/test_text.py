from ember.core.risk import Risk, assess
from ember.core.text import READ_HEAD_CHARACTERS, READ_TAIL_CHARACTERS, bounded


def test_messages_people_type_are_read_whole():
    text = "he left " * 1000
    assert bounded(text) is text


def test_a_huge_paste_is_read_by_its_start_and_its_end():
    paste = "our story began in spring. " + "and then " * 200_000 + "i want to end my life"
    read = bounded(paste)
    assert len(read) <= READ_HEAD_CHARACTERS + READ_TAIL_CHARACTERS + 3
    assert read.startswith("our story began") and read.endswith("i want to end my life")
    assert assess(read) is Risk.CRISIS  # a goodbye at the end of a long paste is still heard
