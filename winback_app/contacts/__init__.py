"""Contacts: the numbers and addresses we may reach, and what a patient's records become when the host changes them.

phones.py           the E.164 lookup of every patient's mobile and phone, kept in step with the Patient
optouts.py          numbers that must not get texts: STOP, carrier errors, wrong or invalid numbers, staff; START
optouts_archive.py  the opt-out list kept in a host table across uninstall, and put back on install
patient_records.py  merges and deletes of patients with win-back history (hooked in integrations/healthcare)
"""
