"""Work handed to threads comes back whole and in order, however it is cut."""
import pytest

from kpitools import _threads


@pytest.fixture
def many_threads(monkeypatch):
    monkeypatch.setattr(_threads, "THREADS", 3)
    monkeypatch.setattr(_threads, "ROWS_PER_THREAD", 2)


@pytest.mark.parametrize("rows", [0, 1, 2, 7, 100])
def test_pieces_cover_every_row_once_in_order(many_threads, rows):
    pieces = _threads.pieces(rows)
    assert [i for start, length in pieces for i in range(start, start + length)] == list(
        range(rows))
    assert len(pieces) == (3 if rows >= 2 else 1)


def test_each_keeps_the_order_of_the_work(many_threads):
    assert _threads.each(lambda n: n * n, list(range(20)), rows=20) == [n * n for n in range(20)]


def test_each_passes_an_error_on(many_threads):
    with pytest.raises(ZeroDivisionError):
        _threads.each(lambda n: 1 / n, [1, 0, 2], rows=3)
