"""The ways a touch leaves: each channel takes an OutboundMessage and returns a SendResult (base.py), nothing else.

outbox.py      records, sends nothing (the default)
twilio_sms.py  SMS through the twilio client; what each Twilio outcome means
gateway.py     SMS through the host's SMS Settings
email.py       email through frappe.sendmail, with the postal address and an unsubscribe link
call_task.py   a ToDo for the front desk (staff.front_desk_users)
"""
