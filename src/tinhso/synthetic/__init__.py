"""The synthetic province: dossiers, their control slips, files, payments, ratings and feedback,
generated over months for the demo province's agencies and the demo catalogue, with realistic
proportions (docs/modules/synthetic.md). Used by the demo, the tests and the benchmarks.

It writes the tables directly (PostgreSQL COPY, SQLite batched INSERT), never through the
services, so every derived column is filled here the way the services fill it; the tests check
that against the services' own rules (dossiers.rules, catalog.workflow, core.calendar).
"""
