"""Handlers for the host's doctypes, one module per doctype (<app>/<doctype>.py), wired only in hooks.py.

healthcare/patient.py              the phone lookup, the messaging fields, merges and deletes (contacts/)
healthcare/patient_appointment.py  a new appointment books the patient's open lapses (lapses/outcomes.py)
frappe/email_unsubscribe.py        an unsubscribe withdraws queued mail (lapses/lifecycle.py)
"""
