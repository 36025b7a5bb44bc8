import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from cinar.documents.models import NumberSequence, SequenceKind
from cinar.documents.numbering import numbering_atomic, numbering_unit, sequence_next
from cinar.organization.tests.factories import make_unit


def test_sequence_starts_at_one_and_counts_per_unit_year_and_kind(db):
    a = make_unit(kind="municipality")
    b = make_unit(kind="municipality")
    with transaction.atomic():
        got = [sequence_next(unit_id=a.pk, year=2025, kind=SequenceKind.OFFICIAL) for _ in range(3)]
        other_unit = sequence_next(unit_id=b.pk, year=2025, kind=SequenceKind.OFFICIAL)
        other_year = sequence_next(unit_id=a.pk, year=2026, kind=SequenceKind.OFFICIAL)
        incoming = sequence_next(unit_id=a.pk, year=2025, kind=SequenceKind.INCOMING)
    assert got == [1, 2, 3]
    assert (other_unit, other_year, incoming) == (1, 1, 1)
    assert NumberSequence.objects.count() == 4


def test_a_rolled_back_number_is_handed_out_again(db):
    unit = make_unit(kind="municipality")
    with transaction.atomic():
        assert sequence_next(unit_id=unit.pk, year=2025, kind=SequenceKind.OFFICIAL) == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        assert sequence_next(unit_id=unit.pk, year=2025, kind=SequenceKind.OFFICIAL) == 2
        raise RuntimeError("signing failed")
    with transaction.atomic():
        assert sequence_next(unit_id=unit.pk, year=2025, kind=SequenceKind.OFFICIAL) == 2


@pytest.mark.django_db(transaction=True)
def test_sequence_refuses_to_run_outside_a_transaction():
    unit = make_unit(kind="municipality")
    with pytest.raises(RuntimeError):
        sequence_next(unit_id=unit.pk, year=2025, kind=SequenceKind.OFFICIAL)


def test_numbering_unit_is_the_nearest_unit_with_a_detsis_number(db):
    top = make_unit(kind="municipality", detsis_number="24399900")
    middle = make_unit(kind="directorate", parent=top, detsis_number=None)
    leaf = make_unit(parent=middle, detsis_number=None)
    assert numbering_unit(leaf) == top
    assert numbering_unit(top) == top
    orphan = make_unit(kind="municipality", detsis_number=None)
    with pytest.raises(ValidationError) as exc:
        numbering_unit(orphan)
    assert "unit" in exc.value.message_dict


WRITERS = 8
PER_WRITER = 25


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_get_gapless_unique_numbers_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("row locks (SELECT … FOR UPDATE) are what is proved here; SQLite has none")
    unit = make_unit(kind="municipality", detsis_number="24388800")
    year = dt.date.today().year
    committed: list[int] = []
    rolled_back: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(WRITERS)

    def writer(index: int) -> None:
        try:
            barrier.wait()
            for i in range(PER_WRITER):
                fail = (index + i) % 7 == 0
                try:
                    with transaction.atomic():
                        n = sequence_next(unit_id=unit.pk, year=year, kind=SequenceKind.OFFICIAL)
                        if fail:
                            raise _Rollback(n)
                    with lock:
                        committed.append(n)
                except _Rollback as rb:
                    with lock:
                        rolled_back.append(rb.number)
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert rolled_back, "some transactions must roll back for the test to mean anything"
    assert len(committed) == WRITERS * PER_WRITER - len(rolled_back)
    assert sorted(committed) == list(range(1, len(committed) + 1))
    assert NumberSequence.objects.get(unit=unit, year=year).last_value == len(committed)


class _Rollback(Exception):
    def __init__(self, number: int) -> None:
        super().__init__(number)
        self.number = number


def test_numbering_atomic_takes_the_number_last_and_a_rollback_gives_it_back(db):
    unit = make_unit(kind="municipality")
    with numbering_atomic() as tx:
        tx.take_last(unit_id=unit.pk, year=2025, kind=SequenceKind.OFFICIAL)
    assert tx.value == 1
    with pytest.raises(RuntimeError), numbering_atomic() as failed:
        failed.take_last(unit_id=unit.pk, year=2025, kind=SequenceKind.OFFICIAL)
        raise RuntimeError("the document check failed")
    with numbering_atomic() as again:
        again.take_last(unit_id=unit.pk, year=2025, kind=SequenceKind.OFFICIAL)
    assert again.value == 2
    with pytest.raises(RuntimeError), numbering_atomic() as twice:
        twice.take_last(unit_id=unit.pk, year=2025, kind=SequenceKind.OFFICIAL)
        twice.take_last(unit_id=unit.pk, year=2025, kind=SequenceKind.OFFICIAL)
    assert NumberSequence.objects.get(unit=unit, year=2025).last_value == 2


@pytest.mark.django_db(transaction=True)
def test_numbering_atomic_concurrent_writers_get_gapless_unique_numbers_on_postgresql():
    """The pipelined form (number and COMMIT sent together) under 8 writers with
    rollbacks: committed numbers are exactly 1..N, as with ``sequence_next``."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks and psycopg's pipeline mode are what is proved here")
    unit = make_unit(kind="municipality", detsis_number="24388801")
    year = dt.date.today().year
    committed: list[int] = []
    rolled_back = 0
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(WRITERS)

    def writer(index: int) -> None:
        nonlocal rolled_back
        try:
            barrier.wait()
            for i in range(PER_WRITER):
                fail = (index + i) % 7 == 0
                try:
                    with numbering_atomic() as tx:
                        tx.take_last(unit_id=unit.pk, year=year, kind=SequenceKind.OFFICIAL)
                        if fail:
                            raise _Rollback(0)
                    with lock:
                        committed.append(int(tx.value or 0))
                except _Rollback:
                    with lock:
                        rolled_back += 1
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert rolled_back, "some transactions must roll back for the test to mean anything"
    assert len(committed) == WRITERS * PER_WRITER - rolled_back
    assert sorted(committed) == list(range(1, len(committed) + 1))
    assert NumberSequence.objects.get(unit=unit, year=year).last_value == len(committed)
