"""The refresh's memory budget: a worker holding nothing waits for room, a holder never waits."""

from __future__ import annotations

import threading

from cassettes_tool.refresh.budget import Budget


def _take_in_thread(
    budget: Budget, size: int, stopping: threading.Event
) -> tuple[threading.Thread, threading.Event]:
    done = threading.Event()

    def run() -> None:
        budget.take(size, stopping)
        done.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, done


def test_a_worker_holding_nothing_waits_until_answers_are_given_back() -> None:
    budget, stopping = Budget(10), threading.Event()
    budget.take(8, stopping)
    thread, done = _take_in_thread(budget, 5, stopping)
    assert not done.wait(0.3)  # 8 + 5 > 10: it waits for the cassette being finished
    budget.give_back()
    thread.join(5)
    assert done.is_set() and budget.used == 5


def test_a_worker_finishing_a_cassette_never_waits() -> None:
    budget, stopping = Budget(10), threading.Event()
    budget.take(8, stopping)
    budget.take(5, stopping)  # already holds some: goes over rather than wait on the others
    assert budget.used == 13
    budget.give_back()
    assert budget.used == 0


def test_one_answer_larger_than_the_budget_still_goes_alone() -> None:
    budget, stopping = Budget(10), threading.Event()
    budget.take(50, stopping)
    assert budget.used == 50


def test_a_stopped_run_does_not_keep_a_worker_waiting() -> None:
    budget, stopping = Budget(10), threading.Event()
    budget.take(10, stopping)
    thread, done = _take_in_thread(budget, 1, stopping)
    stopping.set()
    thread.join(5)
    assert done.is_set()


def test_answers_handed_to_a_writer_stay_taken_until_it_releases_them() -> None:
    budget, stopping = Budget(10), threading.Event()
    budget.take(8, stopping)
    held = budget.hand_over()  # the worker goes on with its next cassette, holding nothing
    budget.give_back()
    assert held == 8 and budget.used == 8
    thread, done = _take_in_thread(budget, 5, stopping)
    assert not done.wait(0.3)  # the copy is not written yet: its answers still count
    budget.release(held)
    thread.join(5)
    assert done.is_set() and budget.used == 5
