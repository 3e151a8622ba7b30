"""Timing and memory measurements shared by ``benchmarks/`` and the Performance chapter.

How times are taken (interleaved rounds, best of k, one thread, processor time) is
:mod:`cdnotes.timing`, a lower layer that :mod:`cdnotes.shfin.cost` uses too. The rest is
three modules, one role each (every name imports from here):

=================  ==========================================================================
``layer_speed``    one training step's time and peak memory; CDLinear's paths against a dense
                   layer over widths and block sizes (:func:`speed_sweep`, :func:`fft_wins`)
``auto_rule``      ``method="auto"``: measuring the cost model's constants
                   (:func:`calibrate_auto`) and checking the rule (:func:`auto_rule_check`)
``epochs``         digits training epochs timed in turns and the book's one epoch-time ratio
                   (:func:`digits_epoch_seconds`, :func:`epoch_time_ratio`, :func:`goal_text`)
=================  ==========================================================================
"""
from __future__ import annotations

from ..timing import best_time, blas_threads, interleaved_seconds, resolve_clock, synchronize
from .auto_rule import (PATHS, auto_rule_check, calibrate_auto, measure_path_costs,
                        path_times, rechoose)
from .epochs import digits_epoch_seconds, epoch_time_ratio, goal_text
from .layer_speed import describe_fft_wins, fft_wins, peak_step_bytes, speed_sweep, step_seconds

__all__ = ["best_time", "synchronize", "blas_threads", "resolve_clock", "interleaved_seconds",
           "step_seconds", "peak_step_bytes", "speed_sweep", "fft_wins", "describe_fft_wins",
           "measure_path_costs", "calibrate_auto", "auto_rule_check", "rechoose", "path_times",
           "PATHS",
           "epoch_time_ratio", "digits_epoch_seconds", "goal_text"]
