"""The win-back engine: pure decisions, no I/O.

Every module in this package takes plain values or dataclasses and returns plain values or dataclasses.
Nothing here imports frappe, reads the database or the clock implicitly; the Frappe side (reader, writer,
channels, tasks) gathers facts, calls the engine, and writes what it decided. That keeps every rule unit
tested in milliseconds and lets the same code run in benchmarks without a site.
"""
