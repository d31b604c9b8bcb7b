"""Read models derived from the event log, and the replay that recomputes them.

Depends on `domain` only (and the eventsourcing library's recorders); never on `service`.
"""
