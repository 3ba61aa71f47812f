"""Who may read, export and change what: roles on charts, dashboard and report, exports, shares, view tracking,
booking-token fields, the front desk's "patient asked" actions and lifting an opt-out."""

import frappe

from winback_app.api.patient import ContactPreferenceError, record_contact_preference
from winback_app.contacts.optouts import allow_number, block_number, is_blocked
from winback_app.engine.phone import normalize

from . import factories as f
from .base import WinBackTestCase

AGENT = "winback-agent-g@example.com"
MANAGER = "winback-manager-g@example.com"
CLINICIAN = "winback-clinician-g@example.com"  # a desk user of the clinic without a Win-Back role
PATIENT_DATA = (
	"Patient Lapse",
	"Win-Back Contact Attempt",
	"Win-Back SMS Reply",
	"Win-Back SMS Opt-Out",
	"Win-Back Patient Phone",
)
TOKEN_FIELDS = ("booking_token_hash", "booking_token_encrypted", "booking_token_expires")


def portal_user() -> str:
	"""A patient with a portal account (the host invites patients): signed in, but a Website User."""
	email = f"wb-portal-{frappe.generate_hash(length=6)}@example.com"
	frappe.get_doc(
		{
			"doctype": "User",
			"email": email,
			"first_name": "Portal",
			"send_welcome_email": 0,
			"user_type": "Website User",
		}
	).insert(ignore_permissions=True)
	return email


class PermissionCase(WinBackTestCase):
	def setUp(self):
		f.desk_user(AGENT)
		f.desk_user(MANAGER, role="Win-Back Manager")
		f.desk_user(CLINICIAN, role="Physician")
		super().setUp()
		f.reference_records()
		f.only_these_segments_enabled()
		f.reset_settings()

	def lapse(self):
		from winback_app.detection.run import detect_lapses

		if not frappe.db.exists("Campaign Segment", "T Permissions"):
			f.segment("T Permissions", "Recall Window", min_days=180, max_days=270)
		p = f.patient()
		f.past_appointment(p, 200)
		detect_lapses()
		[lapse] = f.lapses_of(p)
		return p, lapse.name


class TestRoleChecks(PermissionCase):
	def test_charts_and_dashboard_need_a_win_back_role_even_when_cached(self):
		from winback_app.api.dashboard import reactivation_rate_last_90_days
		from winback_app.win_back.dashboard_chart_source.win_back_funnel.win_back_funnel import get as funnel
		from winback_app.win_back.dashboard_chart_source.win_back_reactivations.win_back_reactivations import (
			get as reactivations,
		)

		frappe.set_user(AGENT)
		self.assertIn("labels", funnel(chart_name="Win-Back Funnel"))  # now cached
		self.assertIn("labels", reactivations(chart_name="Win-Back Reactivations per Week"))
		self.assertIn("value", reactivation_rate_last_90_days())
		for user in (CLINICIAN, portal_user()):
			frappe.set_user(user)
			for call in (
				lambda: funnel(chart_name="Win-Back Funnel"),
				lambda: reactivations(chart_name="Win-Back Reactivations per Week"),
				reactivation_rate_last_90_days,
			):
				with self.assertRaises(frappe.PermissionError, msg=user):
					call()

	def test_the_report_is_for_managers(self):
		from frappe.desk.query_report import run

		from winback_app.win_back.report.reactivation_by_segment.reactivation_by_segment import execute

		filters = {"from_date": "2026-01-01", "to_date": "2026-12-31"}
		frappe.set_user(MANAGER)
		self.assertTrue(execute(filters)[0], "columns")
		for user in (AGENT, CLINICIAN):
			frappe.set_user(user)
			with self.assertRaises(frappe.PermissionError):
				execute(filters)
			with self.assertRaises(frappe.PermissionError):
				run("Reactivation by Segment", filters)

	def test_the_patient_headline_is_only_for_win_back_staff(self):
		from winback_app.api.patient import state

		p, _lapse = self.lapse()
		frappe.set_user(CLINICIAN)  # may read patients (Physician), has no Win-Back role
		self.assertTrue(frappe.has_permission("Patient", "read", p))
		self.assertIsNone(state(p))
		frappe.set_user("Administrator")
		self.addCleanup(frappe.clear_cache, user=CLINICIAN)  # roles are cached in Redis past the rollback
		frappe.get_doc("User", CLINICIAN).add_roles("Win-Back Agent")  # a clinician at the front desk
		frappe.set_user(CLINICIAN)
		self.assertEqual(state(p)["lapse"]["segment"], "T Permissions")


class TestPatientData(PermissionCase):
	def test_agents_cannot_export_or_share_and_managers_can_export(self):
		from frappe.permissions import can_export

		for doctype in PATIENT_DATA:
			self.assertTrue(frappe.get_meta(doctype).track_views, doctype)
			frappe.set_user(AGENT)
			self.assertFalse(can_export(doctype), doctype)
			self.assertFalse(frappe.has_permission(doctype, "share"), doctype)
			frappe.set_user(MANAGER)
			self.assertTrue(can_export(doctype), doctype)

	def test_opening_a_lapse_leaves_a_view_log(self):
		from frappe.desk.form.load import getdoc

		_p, lapse = self.lapse()
		frappe.set_user(AGENT)
		getdoc("Patient Lapse", lapse)
		frappe.set_user("Administrator")
		self.assertTrue(
			frappe.db.exists(
				"View Log",
				{"reference_doctype": "Patient Lapse", "reference_name": lapse, "viewed_by": AGENT},
			)
		)

	def test_booking_token_fields_are_hidden_from_agents(self):
		from frappe.client import get, get_list

		from winback_app.booking.links import booking_token
		from winback_app.settings import get_settings

		_p, lapse = self.lapse()
		booking_token({"name": lapse, "booking_token_encrypted": None}, get_settings())
		frappe.set_user(MANAGER)
		self.assertTrue(get("Patient Lapse", lapse).get("booking_token_hash"))
		frappe.set_user(AGENT)
		doc = get("Patient Lapse", lapse)
		self.assertEqual(doc["patient"], _p)
		for field in TOKEN_FIELDS:
			self.assertFalse(doc.get(field), field)
		[row] = get_list("Patient Lapse", fields=["name", *TOKEN_FIELDS], filters={"name": lapse})
		self.assertFalse(any(row.get(field) for field in TOKEN_FIELDS), row)


class TestFrontDesk(PermissionCase):
	def test_do_not_contact_from_the_lapse(self):
		p, lapse = self.lapse()
		frappe.set_user(AGENT)
		record_contact_preference(
			"Patient Lapse", lapse, "do_not_contact", "Asked on the phone, <b>twice</b>"
		)
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("Patient", p, "winback_do_not_contact"), 1)
		self.assertEqual(frappe.db.get_value("Patient Lapse", lapse, "status"), "Closed")
		scheduled = frappe.db.count("Win-Back Contact Attempt", {"lapse": lapse, "status": "Scheduled"})
		self.assertEqual(scheduled, 0)
		[comment] = frappe.get_all(
			"Comment",
			{"reference_doctype": "Patient", "reference_name": p, "comment_type": "Info"},
			pluck="content",
		)
		self.assertIn(AGENT, comment)
		self.assertIn("&lt;b&gt;twice&lt;/b&gt;", comment, "staff's words are stored escaped")

	def test_consent_revoked_by_phone_from_the_reply(self):
		p, lapse = self.lapse()
		reply = f.reply_record(p, lapse, "call me")
		number = reply.from_number
		frappe.set_user(AGENT)
		record_contact_preference(
			"Win-Back SMS Reply", reply.name, "revoke_text_consent", "Said stop texting"
		)
		frappe.set_user("Administrator")
		consent = frappe.db.get_value(
			"Patient", p, ["winback_sms_consent", "winback_sms_consent_source"], as_dict=True
		)
		self.assertEqual(consent.winback_sms_consent, "Revoked")
		self.assertIn("Said stop texting", consent.winback_sms_consent_source)
		self.assertEqual(is_blocked(number), "Opted Out")
		self.assertEqual(frappe.db.get_value("Win-Back SMS Opt-Out", number, "source"), "Staff")
		self.assertEqual(frappe.db.get_value("Patient Lapse", lapse, "status"), "Opted Out")

	def test_a_reason_and_a_win_back_role_are_required(self):
		_p, lapse = self.lapse()
		frappe.set_user(AGENT)
		with self.assertRaises(ContactPreferenceError):
			record_contact_preference("Patient Lapse", lapse, "do_not_contact", "  ")
		with self.assertRaises(ContactPreferenceError):
			record_contact_preference("Patient", _p, "do_not_contact", "asked")
		frappe.set_user(CLINICIAN)
		with self.assertRaises(frappe.PermissionError):
			record_contact_preference("Patient Lapse", lapse, "do_not_contact", "asked")


class TestLiftingAnOptOut(PermissionCase):
	def opted_out(self) -> str:
		number = normalize(f.mobile(), "US")
		frappe.db.delete("Win-Back SMS Opt-Out", {"name": number})  # a fresh row (rolled back)
		block_number(number, "Opted Out", source="Reply", words="STOP")
		return number

	def test_an_agent_cannot_lift_it(self):
		number = self.opted_out()
		frappe.set_user(AGENT)
		doc = frappe.get_doc("Win-Back SMS Opt-Out", number)
		doc.active, doc.resubscribe_reason = 0, "Patient asked"
		with self.assertRaises(frappe.PermissionError):
			doc.save()
		frappe.set_user("Administrator")
		self.assertEqual(is_blocked(number), "Opted Out")

	def test_a_manager_lifts_it_with_a_reason(self):
		from winback_app.win_back.doctype.win_back_sms_opt_out.win_back_sms_opt_out import (
			OptOutReasonRequiredError,
		)

		number = self.opted_out()
		frappe.set_user(MANAGER)
		doc = frappe.get_doc("Win-Back SMS Opt-Out", number)
		doc.active = 0
		with self.assertRaises(OptOutReasonRequiredError):
			doc.save()
		doc = frappe.get_doc("Win-Back SMS Opt-Out", number)
		doc.active = 0
		doc.resubscribe_reason = "Patient asked in person on 2026-11-18 to get reminders again"
		doc.save()
		self.assertIsNone(is_blocked(number))
		self.assertTrue(doc.resubscribed_on)

	def test_a_start_text_lifts_it_and_says_so(self):
		number = self.opted_out()
		self.assertTrue(allow_number(number, source="Reply"))
		self.assertIsNone(is_blocked(number))
		self.assertEqual(
			frappe.db.get_value("Win-Back SMS Opt-Out", number, "resubscribe_reason"),
			"The patient texted START",
		)
