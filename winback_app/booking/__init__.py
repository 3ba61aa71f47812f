"""Booking: the one-tap link in every message, and the guest page behind it (www/book.py, api/booking.py).

links.py    each lapse's booking link and its token (made once, kept encrypted, found by its hash)
reader.py   the host's schedules, appointments and days off, read set-based for the slot engine
service.py  the lapse behind a link, the free slots to offer (engine/slots.py), and a booking under locks
limits.py   the guest rate limits (per visitor, per link)
"""
