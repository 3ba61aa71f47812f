"""Stricter texting hours by US state: the configured table, each patient's states, and the install seed.

A patient's state comes from their addresses (Address rows linked to the Patient, or to the Patient's Customer,
through Dynamic Link: the way the host's make_address and the desk link them) and from the area code of the
number we text (engine.states.number_state). Read once per claimed chunk, set-based.
"""

from __future__ import annotations

from functools import lru_cache

from pypika.terms import Parameter

import frappe
from frappe.query_builder import DocType

from winback_app.engine.states import DEFAULT_STATE_ENDS, US_STATES, address_state, latest_end, number_state
from winback_app.engine.window import parse_time

Link = DocType("Dynamic Link")
Address = DocType("Address")
PLACEHOLDER = Parameter("%s")


def configured_ends(settings) -> dict:
	"""{state code: latest end} from Win-Back Settings > State windows (the earliest row wins for a state)."""
	from winback_app.engine.states import state_code

	ends: dict = {}
	for row in settings.get("state_windows") or ():
		code = state_code(row.state)
		if code and row.latest_end:
			end = parse_time(row.latest_end)
			ends[code] = min(end, ends.get(code, end))
	return ends


def address_states(patients: dict) -> dict[str, set[str]]:
	"""{patient: {state codes}} from the enabled addresses linked to each patient or to their customer."""
	by_customer: dict[str, list[str]] = {}
	for name, row in patients.items():
		if row.get("customer"):
			by_customer.setdefault(row["customer"], []).append(name)
	if not patients:
		return {}
	rows = frappe.db.sql(
		_address_sql(len(patients), len(by_customer)), [*patients, *by_customer], as_list=True
	)
	states: dict[str, set[str]] = {}
	for doctype, link_name, state, country in rows:
		code = address_state(state, country)
		if not code:
			continue
		owners = [link_name] if doctype == "Patient" else by_customer.get(link_name, [])
		for patient in owners:
			states.setdefault(patient, set()).add(code)
	return states


@lru_cache(maxsize=64)
def _address_sql(patients: int, customers: int) -> str:
	"""The address read for a chunk, built once per shape with placeholders (values go as parameters): building
	it with 200 names each time cost twice what MariaDB spends answering it."""
	condition = (Link.link_doctype == "Patient") & Link.link_name.isin([PLACEHOLDER] * patients)
	if customers:
		condition |= (Link.link_doctype == "Customer") & Link.link_name.isin([PLACEHOLDER] * customers)
	return (
		frappe.qb.from_(Link)
		.join(Address)
		.on(Address.name == Link.parent)
		.select(Link.link_doctype, Link.link_name, Address.state, Address.country)
		.where(Link.parenttype == "Address")
		.where(condition)
		.where(Address.disabled == 0)
		.get_sql()
	)


def patient_ends(patients: dict, mobiles: dict, ends: dict) -> dict:
	"""{patient: (latest end, state code)} for the patients a configured state rule applies to."""
	if not ends:
		return {}
	from_addresses = address_states(patients)
	result = {}
	for patient in patients:
		states = set(from_addresses.get(patient, ()))
		states.add(number_state(mobiles.get(patient)))
		end, state = latest_end(states, ends)
		if end is not None:
			result[patient] = (end, US_STATES.get(state, state))
	return result


def seed_state_windows() -> None:
	"""Install and migrate: add the default state rows (Florida, Oklahoma, Maryland until 20:00) once.

	Runs on every migrate but seeds only on the first: a row a clinic removed or changed stays as they left it.
	"""
	settings = frappe.get_single("Win-Back Settings")
	if not settings.meta.has_field("state_windows") or settings.get("state_windows_seeded"):
		return
	have = {row.state for row in settings.get("state_windows") or ()}
	for code, end in DEFAULT_STATE_ENDS.items():
		if US_STATES[code] not in have:
			settings.append(
				"state_windows", {"state": US_STATES[code], "latest_end": end.strftime("%H:%M:%S")}
			)
	settings.state_windows_seeded = 1
	settings.flags.ignore_mandatory = True
	settings.save(ignore_permissions=True)
