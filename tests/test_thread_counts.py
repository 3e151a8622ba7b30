"""Speed at the default thread count: Monarch's small batched products on one BLAS thread,
and benchmarks/structured_speed.py measuring one thread and the default in one run."""
import importlib.util
import threading

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from cdnotes.backend import import_namespace
from cdnotes.structured import monarch
from conftest import REPO_ROOT


def blas_threads():
    return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]


def test_monarch_products_run_on_one_blas_thread_and_the_limit_comes_back(monkeypatch):
    xp = import_namespace("numpy")
    seen = []
    real = monarch._one_blas_thread

    def spy(xp):
        cm = real(xp)

        class Spy:
            def __enter__(self):
                cm.__enter__()
                seen.append(blas_threads())

            def __exit__(self, *exc):
                return cm.__exit__(*exc)
        return Spy()

    monkeypatch.setattr(monarch, "_one_blas_thread", spy)
    layer = monarch.Monarch(16, 4, seed=0)
    rng = np.random.default_rng(0)
    with threadpool_limits(limits=2, user_api="blas"):
        before = blas_threads()
        layer.forward_2d(xp, rng.standard_normal((5, 16)))
        layer.backward_2d(xp, rng.standard_normal((5, 16)))
        assert blas_threads() == before                     # restored after each product
    assert len(seen) == 2 and all(t == [1] * len(before) for t in seen)


def test_threads_entering_at_once_restore_the_limit_they_found():
    xp = import_namespace("numpy")
    with threadpool_limits(limits=2, user_api="blas"):
        before = blas_threads()
        inside, go = threading.Barrier(2), threading.Event()

        def hold():
            with monarch._one_blas_thread(xp):
                inside.wait(timeout=30)
                go.wait(timeout=30)

        t = threading.Thread(target=hold)
        t.start()
        with monarch._one_blas_thread(xp):
            inside.wait(timeout=30)
            assert monarch._BLAS["depth"] == 2
        assert monarch._BLAS["depth"] == 1                  # the other thread is still inside
        go.set()
        t.join(timeout=30)
        assert monarch._BLAS["depth"] == 0
        assert blas_threads() == before                     # not left at one thread


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_monarch_gives_the_same_bits_on_one_thread(dtype, monkeypatch):
    """The limit changes how fast, not what: forward and backward on the default threads
    (the limit taken out) and on one thread agree bit for bit."""
    import contextlib
    xp = import_namespace("numpy")
    rng = np.random.default_rng(1)
    X = rng.standard_normal((64, 256)).astype(dtype)
    dY = rng.standard_normal((64, 256)).astype(dtype)

    def run():
        layer = monarch.Monarch(256, 16, seed=3, dtype=dtype)
        Y = layer.forward_2d(xp, X)
        return [Y, layer.backward_2d(xp, dY), layer.grads["R"], layer.grads["L"]]

    with threadpool_limits(limits=2, user_api="blas"):
        limited = run()
        monkeypatch.setattr(monarch, "_one_blas_thread", lambda xp: contextlib.nullcontext())
        threaded = run()
    for a, b in zip(limited, threaded):
        np.testing.assert_array_equal(a, b)


def _speed_script():
    spec = importlib.util.spec_from_file_location(
        "structured_speed", f"{REPO_ROOT}/benchmarks/structured_speed.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


def test_the_speed_benchmark_measures_both_thread_counts_in_one_run(tmp_path, capsys):
    from cdnotes.results import read_json
    out = tmp_path / "speed.json"
    _speed_script().main(["--widths", "16", "--width", "16", "--repeats", "1", "--only",
                          "monarch", "kronecker", "--json", str(out)])
    printed = capsys.readouterr().out
    result = read_json(out)
    assert result["config"]["thread_settings"] == [1, "default"]
    assert result["config"]["clock"] == "wall"                  # one clock for both counts
    assert result["config"]["threads"] == 1 and {r["threads"] for r in result["rows"]} == {1}
    by = result["rows_by_threads"]
    assert set(by) == {"1", "default"}                          # JSON keys
    assert {r["structure"] for r in by["default"]} == {"dense", "monarch", "kronecker"}
    ratios = {r["structure"]: r for r in result["thread_ratios"]}
    assert set(ratios) == {"dense", "monarch", "kronecker"}
    for r in ratios.values():
        assert r["threads"] == [1, "default"] and len(r["ratio_by_sweep"]) == 2
        assert r["ratio"] == pytest.approx(r["seconds"][0] / r["seconds"][1])
        assert r["verdict"] in ("slower", "faster", "unsettled")
    assert "Threads' speed-up = time at 1 thread(s) / time at default" in printed
    assert "n = 16, default threads" in printed


def test_thread_ratios_call_a_layer_slower_only_when_every_sweep_does():
    script = _speed_script()

    def rows(seconds_by_sweep):
        return [{"structure": "monarch", "label": "Monarch(4)", "width": 16,
                 "seconds": min(seconds_by_sweep), "seconds_by_sweep": seconds_by_sweep}]

    slower = script.thread_ratios({1: rows([1.0, 1.0]), 0: rows([2.0, 1.5])})
    assert slower[0]["verdict"] == "slower" and slower[0]["ratio"] == pytest.approx(1 / 1.5)
    assert slower[0]["ratio_by_sweep"] == pytest.approx([0.5, 1 / 1.5])
    mixed = script.thread_ratios({1: rows([1.0, 1.0]), 0: rows([2.0, 0.5])})
    assert mixed[0]["verdict"] == "unsettled"
    faster = script.thread_ratios({1: rows([1.0, 1.0]), 0: rows([0.6, 0.5])})
    assert faster[0]["verdict"] == "faster"
