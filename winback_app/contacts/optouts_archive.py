"""STOP outlives the app: the opt-out list is kept in a host table across `bench uninstall-app`, and comes back
on a later `install-app`.

Uninstalling drops the Win-Back SMS Opt-Out table. A number that said STOP must never be texted again by a
reinstalled Win-Back, so before_uninstall copies every opt-out row (number, reason, source, dates, the resubscribe
reason and the patient link; never the words the patient typed) into frappe's own DefaultValue table under a
parent no frappe code reads (PARENT), which uninstall leaves alone. after_install puts them back and removes
the copy. The Patient fields (do not contact, text consent) need no copy: uninstall deletes the Custom Field
records but frappe leaves their columns, with their values, in tabPatient.
"""

from __future__ import annotations

import json

import frappe
from frappe.query_builder import DocType
from frappe.utils import get_datetime, now_datetime

from winback_app.infra import bulk
from winback_app.infra.naming import STANDARD_COLUMNS

PARENT = "__winback_sms_opt_outs"
PARENTTYPE = "Win-Back SMS Opt-Out archive"
KEPT = ("reason", "source", "active", "opted_out_on", "resubscribed_on", "resubscribe_reason", "patient")
Default = DocType("DefaultValue")
OptOut = DocType("Win-Back SMS Opt-Out")


def keep() -> int:
	"""Copy the whole opt-out list into DefaultValue (replacing an older copy). Returns how many rows."""
	rows = frappe.qb.from_(OptOut).select(OptOut.name, *(OptOut[f] for f in KEPT)).run(as_dict=True)
	frappe.qb.from_(Default).delete().where(Default.parent == PARENT).run()
	now, user = now_datetime(), frappe.session.user
	values = [
		(
			frappe.generate_hash(length=12),
			now,
			now,
			user,
			user,
			0,
			PARENT,
			PARENTTYPE,
			"opt_outs",
			index,
			row.name,
			json.dumps({f: _plain(row.get(f)) for f in KEPT}),
		)
		for index, row in enumerate(rows, start=1)
	]
	if values:
		frappe.db.bulk_insert(
			"DefaultValue",
			[*STANDARD_COLUMNS, "parent", "parenttype", "parentfield", "idx", "defkey", "defvalue"],
			values,
		)
	return len(values)


def restore() -> int:
	"""Put a kept list back (numbers already on the list keep their row) and drop the copy. Returns how many."""
	kept = (
		frappe.qb.from_(Default)
		.select(Default.defkey, Default.defvalue)
		.where(Default.parent == PARENT)
		.run()
	)
	if not kept:
		return 0
	now, user = now_datetime(), frappe.session.user
	patients = set(
		frappe.get_all(
			"Patient",
			filters={"name": ("in", [json.loads(v).get("patient") or "" for _k, v in kept])},
			pluck="name",
		)
	)
	values = []
	for number, raw in kept:
		row = json.loads(raw)
		values.append(
			(
				number,
				now,
				now,
				user,
				user,
				0,
				number,
				row.get("reason") or "Opted Out",
				row.get("source") or "Staff",
				row.get("patient") if row.get("patient") in patients else None,
				int(row.get("active") if row.get("active") is not None else 1),
				_when(row.get("opted_out_on")),
				_when(row.get("resubscribed_on")),
				row.get("resubscribe_reason"),
			)
		)
	bulk.insert(
		"Win-Back SMS Opt-Out",
		[
			*STANDARD_COLUMNS,
			"phone",
			"reason",
			"source",
			"patient",
			"active",
			"opted_out_on",
			"resubscribed_on",
			"resubscribe_reason",
		],
		values,
		ignore_duplicates=True,
	)
	frappe.qb.from_(Default).delete().where(Default.parent == PARENT).run()
	return len(values)


def _plain(value):
	return value.isoformat(sep=" ") if hasattr(value, "isoformat") else value


def _when(value):
	return get_datetime(value) if value else None
