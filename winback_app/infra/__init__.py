"""Helpers apart from the features: how the app writes in bulk, names rows, handles time at the database edge,
isolates its jobs, logs errors and checks roles. Nothing here knows about lapses, messages or bookings.

bulk.py            many rows per statement (qb-built with placeholders, values as parameters)
naming.py          a block of a naming series reserved in one UPDATE; the standard columns of bulk rows
clock.py           naive system-zone datetimes (the database) to aware UTC (the engine) and back
isolation.py       READ COMMITTED for jobs that work through rows other sessions keep writing
errors.py          the one way to write an Error Log: class and code path, never the data
communications.py  Communications (SMS, Email) and their timeline links, written in bulk and stored inert
access.py          the role checks of whitelisted methods, charts and the report
"""
