"""Sending: planned touches leave through their channel, exactly once, in the patient's window, within the caps.

The decisions are the engine's (engine/sending.py, window.py, templates.py, states.py); these modules read, lock
and write. In the order a run goes:

run.py       the dispatcher: one queued job per five minutes, chunks claimed, committed, sent, committed
claim.py     SKIP LOCKED claim of due attempts and the engine's send / skip / postpone under the patients' locks
states.py    stricter texting hours by US state (the settings table, each patient's states, the install seed)
render.py    the words of one message: the documented template context, filled from the lapse's records
send.py      the last look before each provider call, the provider call, results and Communications per chunk
channels/    outbox, twilio_sms, gateway (host SMS Settings), email (frappe.sendmail), call_task (a ToDo)
delivery.py  Twilio's delivery reports move an attempt forward only, and act on carrier errors
alerts.py    the managers hear when Failed or Unknown attempts pile up

Booking links and their tokens belong to booking/links.py; who gets call tasks and alerts is staff.py.
"""
