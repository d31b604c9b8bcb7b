"""Configuration: typed settings from the environment (`EVAL_*`), the one place where the
database URL becomes the eventsourcing library's persistence variables, and the one clock."""
