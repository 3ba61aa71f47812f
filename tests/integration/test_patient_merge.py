"""The host's everyday operations on patients with win-back history: merge two patients, delete one."""

import frappe

from winback_app.contacts.optouts import block_number, is_blocked
from winback_app.contacts.patient_records import MERGED_REASON
from winback_app.detection.run import detect_lapses

from . import factories as f
from .base import WinBackTestCase


class HistoryCase(WinBackTestCase):
	def setUp(self):
		super().setUp()
		f.reference_records()
		f.only_these_segments_enabled()
		f.reset_settings()
		if not frappe.db.exists("Campaign Segment", "T Merge"):
			f.segment("T Merge", "Recall Window", min_days=180, max_days=270)

	def with_history(self, visit: bool = True, **fields) -> tuple[str, str, str]:
		"""A patient with a lapse, its attempts, a reply and a ToDo on the reply. With no visit, the lapse is a
		never-booked one (the patient has no host records that would block a delete on their own)."""
		p = f.patient(**fields)
		if visit:
			f.past_appointment(p, 200)
		elif not frappe.db.exists("Campaign Segment", "T Never Booked"):
			f.segment("T Never Booked", "New Patient Never Booked", min_days=0, max_days=90)
		detect_lapses()
		[lapse] = f.lapses_of(p)
		reply = f.reply_record(p, lapse.name, "who is this?")
		number = reply.from_number
		frappe.get_doc(
			{
				"doctype": "ToDo",
				"allocated_to": "Administrator",
				"description": "Answer the patient",
				"reference_type": "Win-Back SMS Reply",
				"reference_name": reply.name,
			}
		).insert(ignore_permissions=True)
		return p, lapse.name, number


class TestMerge(HistoryCase):
	def test_merge_keeps_the_survivors_lapse_and_closes_the_duplicates(self):
		survivor, kept, _n1 = self.with_history()
		duplicate, closed, number = self.with_history()
		frappe.db.delete("Win-Back SMS Opt-Out", {"name": number})
		block_number(number, "Opted Out", source="Reply", patient=duplicate, words="STOP")
		frappe.db.set_value("Patient Lapse", closed, "status", "In Cadence")

		frappe.rename_doc("Patient", duplicate, survivor, merge=True)

		self.assertFalse(frappe.db.exists("Patient", duplicate))
		lapses = {row.name: row for row in f.lapses_of(survivor)}
		self.assertEqual(set(lapses), {kept, closed})
		self.assertEqual(lapses[kept].status, "In Cadence")
		self.assertEqual(
			frappe.db.get_value("Patient Lapse", closed, ["status", "closed_reason"]),
			("Closed", MERGED_REASON.format(survivor)),
		)
		self.assertEqual(
			frappe.db.count("Win-Back Contact Attempt", {"lapse": closed, "status": "Scheduled"}), 0
		)
		# The phone lookup holds the survivor's own numbers only.
		phones = frappe.get_all("Win-Back Patient Phone", {"patient": survivor}, ["source", "raw"])
		mobile = frappe.db.get_value("Patient", survivor, "mobile")
		self.assertEqual(sorted(p.source for p in phones), ["Mobile", "Phone"])
		self.assertEqual({p.raw for p in phones if p.source == "Mobile"}, {mobile})
		# STOP is about the number: still blocked, now shown on the survivor.
		self.assertEqual(is_blocked(number), "Opted Out")
		self.assertEqual(frappe.db.get_value("Win-Back SMS Opt-Out", number, "patient"), survivor)

	def test_a_duplicate_with_the_only_open_lapse_carries_it_on(self):
		survivor = f.patient()
		duplicate, lapse, _n = self.with_history()
		frappe.rename_doc("Patient", duplicate, survivor, merge=True)
		self.assertEqual(
			frappe.db.get_value("Patient Lapse", lapse, ["patient", "status"]), (survivor, "In Cadence")
		)
		self.assertEqual(
			frappe.db.get_value("Patient Lapse", lapse, "patient_name"),
			frappe.db.get_value("Patient", survivor, "patient_name"),
		)


class TestDelete(HistoryCase):
	def test_delete_removes_the_win_back_rows_and_keeps_the_opt_out(self):
		p, lapse, number = self.with_history(visit=False)
		frappe.db.delete("Win-Back SMS Opt-Out", {"name": number})
		block_number(number, "Opted Out", source="Reply", patient=p, words="STOP")
		reply = frappe.db.get_value("Win-Back SMS Reply", {"patient": p})
		# The host's own rule, with or without Win-Back: healthcare gives every patient with a phone or email a
		# Contact, and frappe refuses to delete a patient a Contact links to. A clinic removes that first.
		for contact in frappe.get_all(
			"Dynamic Link", {"link_doctype": "Patient", "link_name": p}, pluck="parent"
		):
			frappe.delete_doc("Contact", contact)

		frappe.delete_doc("Patient", p)

		self.assertFalse(frappe.db.exists("Patient", p))
		for doctype, filters in (
			("Patient Lapse", {"patient": p}),
			("Win-Back Contact Attempt", {"lapse": lapse}),
			("Win-Back SMS Reply", {"patient": p}),
			("Win-Back Patient Phone", {"patient": p}),
			("ToDo", {"reference_type": "Win-Back SMS Reply", "reference_name": reply}),
		):
			self.assertEqual(frappe.db.count(doctype, filters), 0, doctype)
		self.assertEqual(is_blocked(number), "Opted Out", "STOP outlives the patient record")
		self.assertIsNone(frappe.db.get_value("Win-Back SMS Opt-Out", number, "patient"))
