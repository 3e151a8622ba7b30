"""The book's experiments as tested library functions; chapters tell the story and call them.

==========  ============================================================================
``digits``  the paper's digits experiment (§VI): one seeded run per (model, seed), Table 1
==========  ============================================================================
"""
from .digits import PAPER_TABLE1, run_digits, run_table1, summarize

__all__ = ["PAPER_TABLE1", "run_digits", "run_table1", "summarize"]
