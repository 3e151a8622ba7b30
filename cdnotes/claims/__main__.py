"""``python -m cdnotes.claims``: rerun the measurements behind the claims table."""
from .measure import main

main()
