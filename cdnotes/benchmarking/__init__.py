"""Timing and memory measurements shared by ``benchmarks/`` and the Performance chapter.

How times are taken (interleaved rounds, best of k, one thread, processor time) is
:mod:`cdnotes.timing`, a lower layer that :mod:`cdnotes.shfin.cost` uses too. The rest is
five modules, one role each (every name imports from here):

=================  ==========================================================================
``layer_speed``    one training step's time and peak memory; CDLinear's paths against a dense
                   layer over widths and block sizes (:func:`speed_sweep`, :func:`fft_wins`)
``auto_rule``      ``method="auto"``: measuring the cost model's constants
                   (:func:`calibrate_auto`) and checking the rule (:func:`auto_rule_check`)
``epochs``         digits training epochs timed in turns and the book's one epoch-time ratio
                   (:func:`digits_epoch_seconds`, :func:`epoch_time_ratio`, :func:`goal_text`)
``roofline``       the work of one CDLinear step (FFT, real-DFT and dense algorithms), the
                   machine's peaks, and how close a measured time is to the limit
``peer_runs``      ``benchmarks/peers.py``'s two run files: verdicts per cell (a winner only
                   where both runs agree) and roofline fractions
=================  ==========================================================================
"""
from __future__ import annotations

from ..timing import best_time, blas_threads, interleaved_seconds, resolve_clock, synchronize
from .auto_rule import (PATHS, auto_rule_check, calibrate_auto, measure_path_costs,
                        path_times, rechoose)
from .epochs import digits_epoch_seconds, epoch_time_ratio, goal_text
from .layer_speed import describe_fft_wins, fft_wins, peak_step_bytes, speed_sweep, step_seconds
from .peer_runs import (BLOCK_CIRCULANT, CDLINEAR, PEERS_FORMAT, check_run_document,
                        roofline_rows, run_cells, two_run_verdicts)
from .roofline import (ALGORITHMS, PEAK_KEYS, achieved_fraction, algorithm_bound, cell_limit,
                       dense_work, fft_work, machine_peaks, rdft_work)

__all__ = ["best_time", "synchronize", "blas_threads", "resolve_clock", "interleaved_seconds",
           "step_seconds", "peak_step_bytes", "speed_sweep", "fft_wins", "describe_fft_wins",
           "measure_path_costs", "calibrate_auto", "auto_rule_check", "rechoose", "path_times",
           "PATHS",
           "epoch_time_ratio", "digits_epoch_seconds", "goal_text",
           "PEERS_FORMAT", "CDLINEAR", "BLOCK_CIRCULANT", "check_run_document", "run_cells",
           "two_run_verdicts", "roofline_rows",
           "fft_work", "rdft_work", "dense_work", "algorithm_bound", "cell_limit",
           "achieved_fraction", "machine_peaks", "ALGORITHMS", "PEAK_KEYS"]
