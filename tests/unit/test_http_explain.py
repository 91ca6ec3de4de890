"""Textbook against wire: the sentence a student reads under `netdojo measure --http`."""

import pytest

from netdojo.measure.http_explain import chapter_formula, explain
from netdojo.measure.http_theory import Page, expect

PAGE = Page(10, 2000, 10240)


@pytest.mark.parametrize("version,tls,rounds", [
    ("http1.0", None, "22R"), ("http1.0", "1.3", "33R"), ("http1.1", None, "12R"),
    ("http1.1-parallel", None, "5R"), ("http2", "1.3", "4R"), ("http3", None, "3R"),
    ("http3-0rtt", None, "2R")])
def test_the_formula_is_the_chapters_count_for_this_page(version, tls, rounds):
    text = chapter_formula(version, PAGE, tls)
    assert rounds in text
    # the formula's count is what the model counts before slow start and serialisation
    assert float(rounds[:-1]) == expect(version, PAGE, tls=tls).rtts


def test_a_measurement_on_the_model_is_said_to_be_within_the_band():
    exp = expect("http1.1", PAGE, rate_mbps=10)
    ex = explain("http1.1", exp, PAGE, 0.05, exp.seconds(0.05) * 1.05, rate_mbps=10)
    assert ex.chapter_s == pytest.approx(12 * 0.05)
    assert ex.model_s > ex.chapter_s  # the bytes at 10 Mbit/s
    assert "within ±15%" in ex.sentence and "+5% of the model" in ex.sentence
    assert "Mbit/s" in ex.sentence and "of slow start" not in ex.sentence  # 8 segments per object


def test_multiplexed_objects_name_their_slow_start_rounds():
    exp = expect("http2", PAGE, tls="1.3")
    ex = explain("http2", exp, PAGE, 0.1, exp.seconds(0.1) * 1.3, tls="1.3")
    assert "3 R of slow start" in ex.sentence and "71 segments" in ex.sentence
    assert "slower than the model" in ex.sentence and "aioquic" not in ex.sentence


def test_http3_over_the_band_points_at_the_quic_stack_and_faster_says_so():
    exp = expect("http3", PAGE)
    slow = explain("http3", exp, PAGE, 0.1, exp.seconds(0.1) * 1.4)
    assert "aioquic paces" in slow.sentence and slow.off_model == pytest.approx(0.4)
    fast = explain("http3", exp, PAGE, 0.1, exp.seconds(0.1) * 0.7)
    assert "faster than the model" in fast.sentence
