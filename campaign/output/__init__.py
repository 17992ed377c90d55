"""The output stage: the campaign's output folder and what reads it back.

folder.py (write aside, swap in) · manifest.py (the one writer and typed reader of manifest.json)
· review.py (review.json) · gallery.py (index.html) · serve.py (the review server) · explain.py
(why a candidate ranks where it does) · export.py (the approved set, for print).
"""
