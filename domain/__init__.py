"""The pure core of Evaluation Ledger (评优台账).

Nothing in this package does I/O, reads a clock or the environment, or imports web,
database, settings or scheduler code; `tests/unit/test_layers.py` enforces it.
"""
