"""New-patient leads: everyone the clinic has not seen yet, answered within a minute, day or night, and followed to
their first visit. The rules are the engine's (engine/leads.py); these modules read, write and send:

intake.py        a Lead, a missed call, an unconfirmed first appointment, a staff-registered patient -> a Win-Back
                 Lead and its planned texts (idempotent)
request_form.py  the request-an-appointment form's rules: signed stamp, honeypot, limits, consent wording, its Lead
send.py          due lead texts leave exactly once (claim committed first), through the app's SMS channel
delivery.py      Twilio's delivery reports for lead texts: forward only; a dead number closes the lead
status.py        the one writer of a Win-Back Lead's status and of its cancelled texts
outcomes.py      booked (from any source), came (the first visit), resting (nothing back)
talk.py          texts from a lead: the book-by-text conversation, "C" confirms, booking makes the Patient
run.py           when: the document events' job (send_now) and the minute job (handle_leads)

Entry points: hooks.py doc_events Lead and Call Log (integrations/erpnext/), the cron tasks.handle_leads, the page
www/request.py and its POST api/lead_request.py. The funnel is the report "New Patient Funnel".
"""
