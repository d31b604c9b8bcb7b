"""The application layer: commands on the ledger, one module per command family (the roster,
records, complaints, figures, the round, disputes, nominations, accounts), each checking a
request against the domain and saving its events through the ledger's unit of work. It never
imports the HTTP layer."""
