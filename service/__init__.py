"""The HTTP service, command line and wiring of Evaluation Ledger (评优台账)."""
