"""The foundation on a real site: doctypes, roles, custom fields, seeded campaigns, idempotent seeding."""

import frappe

from winback_app.install import patient_custom_fields, seed
from winback_app.setup.default_segments import DEFAULT_SEGMENTS

from . import factories as f
from .base import WinBackTestCase

DOCTYPES = (
	"Win-Back Settings",
	"Campaign Segment",
	"Cadence Touch",
	"Campaign Segment Filter",
	"Patient Lapse",
	"Win-Back Contact Attempt",
	"Win-Back SMS Opt-Out",
	"Win-Back Patient Phone",
)


class TestInstall(WinBackTestCase):
	def test_doctypes_are_installed_in_the_win_back_module(self):
		for doctype in DOCTYPES:
			self.assertEqual(frappe.db.get_value("DocType", doctype, "module"), "Win Back", doctype)

	def test_host_indexes_are_added_by_install_and_removed_by_uninstall(self):
		from winback_app.install import drop_host_indexes, ensure_indexes, host_indexes

		# DDL commits: this test writes no data, and leaves the indexes in place whatever happens.
		try:
			drop_host_indexes()
			self.assertFalse(any(frappe.db.has_index(f"tab{d}", i) for d, i in host_indexes()))
		finally:
			ensure_indexes()
		for doctype, index in host_indexes():
			self.assertTrue(frappe.db.has_index(f"tab{doctype}", index), (doctype, index))
		plan = frappe.db.sql(
			"EXPLAIN SELECT patient, MAX(encounter_date) FROM `tabPatient Encounter` "
			"WHERE patient IS NOT NULL AND docstatus = 1 GROUP BY patient"
		)
		self.assertIn("Using index", plan[0][-1], "the visit read is answered from the index alone")

	def test_roles_exist_with_desk_access(self):
		for role in ("Win-Back Manager", "Win-Back Agent"):
			self.assertEqual(frappe.db.get_value("Role", role, "desk_access"), 1)

	def test_patient_custom_fields_exist(self):
		meta = frappe.get_meta("Patient")
		for df in patient_custom_fields()["Patient"]:
			self.assertIsNotNone(meta.get_field(df["fieldname"]), df["fieldname"])
		self.assertEqual(meta.get_field("winback_sms_consent").default, "Unknown")

	def test_default_campaigns_are_seeded_disabled(self):
		names = {s["segment_name"] for s in DEFAULT_SEGMENTS}
		rows = frappe.get_all(
			"Campaign Segment", filters={"name": ("in", list(names))}, fields=["name", "enabled"]
		)
		self.assertEqual({r.name for r in rows}, names)
		self.assertTrue(all(r.enabled == 0 for r in rows))
		hygiene = frappe.get_doc("Campaign Segment", "6-Month Hygiene Recall")
		self.assertEqual(
			[(t.day_offset, t.channel) for t in hygiene.touches],
			[(1, "SMS"), (4, "Email"), (9, "SMS"), (14, "Call Task")],
		)

	def test_seeding_twice_changes_nothing(self):
		def snapshot():
			return (
				frappe.get_all("Campaign Segment", fields=["name", "modified"], order_by="name"),
				frappe.get_all(
					"Custom Field",
					filters={"dt": "Patient", "module": "Win Back"},
					fields=["name", "modified"],
					order_by="name",
				),
				frappe.get_all(
					"Role",
					filters={"name": ("like", "Win-Back%")},
					fields=["name", "modified"],
					order_by="name",
				),
				frappe.db.get_singles_dict("Win-Back Settings"),
			)

		before = snapshot()
		seed()
		self.assertEqual(snapshot(), before)

	def test_seeding_keeps_a_managers_edits(self):
		frappe.db.set_value("Campaign Segment", "Dormant 18+ Months", "max_days", 3000)
		seed()
		self.assertEqual(frappe.db.get_value("Campaign Segment", "Dormant 18+ Months", "max_days"), 3000)

	def test_guest_sees_nothing(self):
		for doctype in DOCTYPES:
			if frappe.get_meta(doctype).istable:
				continue
			self.assertFalse(frappe.has_permission(doctype, "read", user="Guest"), doctype)

	def test_agent_reads_campaigns_but_cannot_edit_them(self):
		user = f.desk_user("winback-agent@example.com")
		self.assertTrue(frappe.has_permission("Campaign Segment", "read", user=user))
		self.assertFalse(frappe.has_permission("Campaign Segment", "write", user=user))
		self.assertTrue(frappe.has_permission("Patient Lapse", "write", user=user))
		self.assertFalse(frappe.has_permission("Win-Back Settings", "write", user=user))

	def test_scheduler_entry_points_are_registered(self):
		methods = set(frappe.get_all("Scheduled Job Type", pluck="method"))
		for method in (
			"winback_app.tasks.enqueue_detection",
			"winback_app.tasks.dispatch_due",
			"winback_app.tasks.rescue_missed_appointments",
			"winback_app.tasks.poll_outcomes",
		):
			self.assertIn(method, methods)

	def test_a_zero_length_window_left_by_install_is_replaced(self):
		"""install-app saves every Single once before after_install, with Time fields set to now()."""
		from winback_app.install import ensure_settings_defaults

		frappe.db.set_single_value(
			"Win-Back Settings", {"window_start": "12:21:35.768200", "window_end": "12:21:35.768307"}
		)
		frappe.clear_document_cache("Win-Back Settings", "Win-Back Settings")
		ensure_settings_defaults()
		stored = frappe.db.get_singles_dict("Win-Back Settings")
		self.assertEqual((str(stored.window_start), str(stored.window_end)), ("09:00:00", "19:00:00"))

	def test_the_demo_refuses_a_site_with_patients_of_its_own(self):
		from winback_app.demo import RealPatientsError, seed

		f.patient()  # a clinic's own patient
		with self.assertRaises(RealPatientsError):
			seed(patients=5)


class TestStopSurvivesUninstall(WinBackTestCase):
	"""uninstall-app drops the opt-out table (DDL: it cannot run inside a rolled-back test), so this test runs the
	two hooks' archive steps around a DELETE of the table's rows; tests/integration/real_uninstall_check.py does
	the real `bench uninstall-app` and `install-app` on a site."""

	def test_a_number_that_said_stop_is_blocked_again_after_a_reinstall(self):
		from winback_app.contacts import optouts_archive
		from winback_app.contacts.optouts import block_number, is_blocked
		from winback_app.engine.phone import normalize

		number = normalize(f.mobile(), "US")
		frappe.db.delete("Win-Back SMS Opt-Out", {"name": number})
		patient = f.patient()
		block_number(number, "Opted Out", source="Reply", patient=patient, words="STOP")
		self.assertGreaterEqual(optouts_archive.keep(), 1)  # before_uninstall
		kept = frappe.db.get_value(
			"DefaultValue", {"parent": optouts_archive.PARENT, "defkey": number}, "defvalue"
		)
		self.assertIn('"Opted Out"', kept)
		self.assertNotIn("STOP", kept, "the patient's words are not copied")

		frappe.db.delete("Win-Back SMS Opt-Out")  # what dropping the table does to the list
		self.assertIsNone(is_blocked(number))

		self.assertGreaterEqual(optouts_archive.restore(), 1)  # after_install, before anything is sent
		self.assertEqual(is_blocked(number), "Opted Out")
		self.assertEqual(frappe.db.get_value("Win-Back SMS Opt-Out", number, "patient"), patient)
		self.assertFalse(frappe.db.exists("DefaultValue", {"parent": optouts_archive.PARENT}))
