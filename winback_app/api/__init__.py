"""Whitelisted endpoints, and nothing else: each checks who may call it and hands the work to its package.

Their dotted paths are public (the desk's JS, doctype JSON, Twilio's webhooks): sms.py (Twilio's inbound texts
and delivery reports, guest, signed: twilio_signature.py), booking.py (the booking page's POST, guest), inbox.py
(reply by text, handled, conversation), patient.py (the Patient form, contact preferences), campaign_segment.py
(preview, run detection now), dashboard.py (a number card).
"""
