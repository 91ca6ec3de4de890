"""ctx.truth: the checker's measurements of the lab itself are fresh within a run of the checks
and shared with later runs on other answer sheets (the free-points proof, issue 17.4)."""

from netdojo.labs.context import LabContext
from netdojo.labs.freepoints import forget_answer_measurements


def test_each_call_in_a_run_measures_and_a_later_run_reuses_them_in_order():
    ctx = LabContext(None, "s", {}, None, None)  # type: ignore[arg-type]
    taken = iter(range(100))
    measure = lambda: next(taken)  # noqa: E731
    first = [ctx.truth("page", measure), ctx.truth("page", measure)]
    ctx.once("answer-dependent", measure)
    assert first == [0, 1]
    forget_answer_measurements(ctx.cache)  # as before grading the next sheet
    assert "answer-dependent" not in ctx.cache
    again = [ctx.truth("page", measure), ctx.truth("page", measure), ctx.truth("page", measure)]
    assert again == [0, 1, 3]  # the first two reused; a retry beyond them measures afresh
