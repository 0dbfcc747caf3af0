"""Stage 2, scoring: answers -> Report.

One validation path for answers from any source (`answers`), which questions apply (`flow`),
the one assessment (`assess`) and JSON Lines batches (`batch`). No screen, no file format.
"""
