"""Work the service does on its own: the scheduler that closes periods and finalises notices."""
