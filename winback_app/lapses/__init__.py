"""Patient Lapse episodes after detection opened them.

lifecycle.py  the one writer of a lapse's status and of the cancellation of its planned touches
outcomes.py   Booked / Reactivated / Exhausted from appointments and visits the host wrote (hook and hourly poll),
              within the attribution window; late arrivals and renewed memberships closed
waiting.py    lapses waiting on the patient too long go back to their cadence or end (hourly)
"""
