"""The pnn section with its next sample part made in a background thread (analyses.ahead.Ahead, issue 17) and its
upstream source computed beside the budget: the same
summary, bit for bit, and the same cache bookkeeping as the serial loop; Ahead itself keeps order, surfaces errors,
stays one item ahead and closes the iterator."""

import pickle
import threading
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from kaonportal.analyses import pnn as pnn_mod
from kaonportal.analyses.ahead import Ahead
from kaonportal.analyses.config import load_config
from kaonportal.analyses.pnn import needed_columns, pnn_compute, resolve_pnn
from kaonportal.analyses.samples import SampleCache, card_key


class _Serial:
    """The plain loop that Ahead replaces."""

    def __init__(self, iterator):
        self._it = iterator

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._it)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._it.close()


class _Inline:
    """An executor running each call at once, in this thread (the upstream source where the serial loop had it)."""

    def __init__(self, **kw):
        pass

    def submit(self, func, *args):
        f = Future()
        f.set_result(func(*args))
        return f

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


def _run(tmp_path, monkeypatch, ahead_class):
    monkeypatch.setattr(pnn_mod, "Ahead", ahead_class)
    monkeypatch.setattr(pnn_mod, "ThreadPoolExecutor", ThreadPoolExecutor if ahead_class is Ahead else _Inline)
    # several parts per sample (max_part), a forced-decay sample, the normalisation reused as a background
    cfg = load_config(overrides={"seed": 11, "sections": {"pnn": True, "beamdump": False},
                                 "pnn": {"n_signal": 3000, "n_normalisation": 3000, "pseudo_data_br": 1e-10,
                                         "n_upstream": 2000,
                                         "n_background": {"K+ -> pi+ pi0": 3000, "K+ -> mu+ nu": 5000,
                                                          "K+ -> pi+ pi+ pi-": 2500}}})
    setup = resolve_pnn(cfg)
    samples = SampleCache(tmp_path / "cache", setup.card_name, card_key(setup.card_name),
                          columns=needed_columns(setup.selection), max_part=2000)
    summary = pnn_compute(setup, samples)
    plots = summary.pop("_plots")
    book = (samples.simulated, samples.loaded_from_cache, [p.name for p in samples.written], samples.not_stored)
    return summary, plots, book, {p.name: p.read_bytes() for p in samples.written}


def test_pnn_ahead_bit_identical_to_serial(tmp_path, monkeypatch):
    s_serial, p_serial, b_serial, f_serial = _run(tmp_path / "serial", monkeypatch, _Serial)
    s_ahead, p_ahead, b_ahead, f_ahead = _run(tmp_path / "ahead", monkeypatch, Ahead)
    assert s_ahead == s_serial          # exact: every float of the summary
    assert b_ahead == b_serial and len(b_serial[0]) >= 4
    assert f_ahead == f_serial          # the cache files, byte for byte
    assert pickle.dumps(p_ahead) == pickle.dumps(p_serial)     # the plots' histograms, bit for bit


def test_ahead_order_and_one_item_ahead():
    made = []

    def gen():
        for i in range(5):
            made.append(i)
            yield i

    with Ahead(gen()) as items:
        first = next(items)
        items._next.result()            # the next item is made without being asked for ...
        assert first == 0 and made == [0, 1]
        rest = list(items)
    assert rest == [1, 2, 3, 4] and made == [0, 1, 2, 3, 4]     # ... and never more than one


def test_ahead_error_surfaces_in_caller():
    def gen():
        yield 1
        raise ValueError("boom")

    with Ahead(gen()) as items:
        assert next(items) == 1
        with pytest.raises(ValueError, match="boom"):
            next(items)


def test_ahead_closes_iterator_when_caller_leaves_early():
    closed = threading.Event()

    def gen():
        try:
            for i in range(10):
                yield i
        finally:
            closed.set()

    with pytest.raises(RuntimeError):
        with Ahead(gen()) as items:
            next(items)
            raise RuntimeError("caller fails")
    assert closed.is_set()
