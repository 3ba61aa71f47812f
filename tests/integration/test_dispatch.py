"""The dispatcher on a real site: exactly once, in window, capped, opt-outs honoured, Twilio outcomes."""

from datetime import datetime, timedelta, timezone

import requests
import responses
from twilio.request_validator import RequestValidator
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

import frappe
from frappe.utils import add_days, getdate, now_datetime

from winback_app.detection.run import detect
from winback_app.dispatch.claim import claim
from winback_app.dispatch.run import all_segment_specs, channels_for, dispatch
from winback_app.dispatch.send import recover_stale, send_claimed
from winback_app.engine.sending import Caps
from winback_app.engine.tokens import token_hash
from winback_app.engine.window import daytime_zone
from winback_app.settings import get_settings, send_window

from . import factories as f
from .base import WinBackTestCase, concurrently

WEDNESDAY_NOON = datetime(2026, 11, 18, 12, 0)  # system time zone is America/New_York
TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "test-auth-token"
MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"


def settings(**values):
	return f.reset_settings(**values)


def twilio_settings():
	return settings(
		sending_mode="Twilio",
		twilio_account_sid=TWILIO_SID,
		twilio_auth_token=TWILIO_TOKEN,
		twilio_messaging_service_sid="MG" + "1" * 32,
	)


def twilio_post(view, method: str, params: dict, signature: str | None = None):
	"""Call a webhook view as Twilio would: a form POST to /api/method/<method>, signed for the public URL
	(Settings > public site address, https://clinic.example.com in tests) unless a signature is given."""
	path = f"/api/method/{method}"
	if signature is None:
		signature = RequestValidator(TWILIO_TOKEN).compute_signature(
			f"https://clinic.example.com{path}", params
		)
	builder = EnvironBuilder(path=path, method="POST", data=params, headers={"X-Twilio-Signature": signature})
	frappe.local.request = Request(builder.get_environ())
	try:
		return view()
	finally:
		frappe.local.request = None


class DispatchCase(WinBackTestCase):
	def setUp(self):
		super().setUp()
		f.reference_records()
		f.only_these_segments_enabled()
		f.reset_settings()

	def lapse_due(self, channel="SMS", **patient_fields):
		"""A patient in a fresh campaign whose first touch (channel) is due before WEDNESDAY_NOON."""
		name = f"T Dispatch {frappe.generate_hash(length=6)}"
		template = "{{ first_name }}, come back to us: {{ booking_link }}"
		touch = {"day_offset": 1, "channel": channel, "template": template}
		if channel == "Email":
			touch["email_subject"] = "Hello {{ first_name }}"
		f.segment(name, "Recall Window", min_days=180, max_days=270, touches=[touch])
		p = f.patient(**patient_fields)
		f.past_appointment(p, 200)
		detect()
		[lapse] = f.lapses_of(p)
		attempt = frappe.db.get_value("Win-Back Contact Attempt", {"lapse": lapse.name}, "name")
		frappe.db.set_value(
			"Win-Back Contact Attempt", attempt, "due_at", WEDNESDAY_NOON - timedelta(minutes=1)
		)
		return p, lapse.name, attempt

	def run_once(self, now=WEDNESDAY_NOON, http_client=None):
		s = get_settings()
		result = claim(now, 500, "test-claim", send_window(), Caps(1, 3), False, all_segment_specs())
		counts = send_claimed(result.to_send, channels_for(s, http_client), s)
		return result, counts

	def attempt(self, name):
		return frappe.get_doc("Win-Back Contact Attempt", name)


class TestSending(DispatchCase):
	def test_outbox_records_once_with_booking_link_timeline_and_identity(self):
		p, lapse, name = self.lapse_due()
		result, counts = self.run_once()
		self.assertEqual(counts, {"Sent": 1})
		a = self.attempt(name)
		self.assertEqual((a.status, a.provider, a.channel), ("Sent", "Outbox", "SMS"))
		self.assertIn("https://clinic.example.com/book/", a.body)
		self.assertIn("Bright Smile Dental", a.body, "the first text names the practice")
		self.assertIn("STOP", a.body, "the first text says how to opt out")
		token = a.body.split("/book/")[1].split()[0]
		self.assertEqual(frappe.db.get_value("Patient Lapse", lapse, "booking_token_hash"), token_hash(token))
		comm = frappe.get_doc("Communication", a.communication)
		self.assertEqual(
			(comm.communication_medium, comm.sent_or_received, comm.reference_name), ("SMS", "Sent", lapse)
		)
		self.assertEqual(
			[(link.link_doctype, link.link_name) for link in comm.timeline_links], [("Patient", p)]
		)
		again, counts = self.run_once(WEDNESDAY_NOON + timedelta(minutes=5))
		self.assertEqual((again.to_send, counts), ([], {}), "never sent twice")

	def test_opt_out_recorded_while_claimed_blocks_the_send(self):
		from winback_app.optouts import block_number

		p, _lapse, name = self.lapse_due()
		s = get_settings()
		result = claim(WEDNESDAY_NOON, 500, "t", send_window(), Caps(1, 3), False, all_segment_specs())
		self.assertEqual([c.attempt["name"] for c in result.to_send], [name])
		number = result.to_send[0].to
		block_number(number, "Opted Out", source="Reply", words="STOP")
		counts = send_claimed(result.to_send, channels_for(s), s)
		self.assertEqual(counts, {"Skipped": 1})
		a = self.attempt(name)
		self.assertEqual(
			(a.status, a.skip_reason, a.communication), ("Skipped", "Number opted out of texts", None)
		)

	def test_no_text_outside_the_window_in_the_patients_time_zone(self):
		_p, _l, la = self.lapse_due(winback_time_zone="America/Los_Angeles")
		_p, _l, ny = self.lapse_due()
		seven_am_la = datetime(2026, 11, 18, 10, 0)  # 10:00 New York, 07:00 Los Angeles
		for attempt in (la, ny):
			frappe.db.set_value("Win-Back Contact Attempt", attempt, "due_at", datetime(2026, 11, 18, 9, 0))
		result, counts = self.run_once(seven_am_la)
		self.assertEqual([c.attempt["name"] for c in result.to_send], [ny])
		postponed = self.attempt(la)
		self.assertEqual(postponed.status, "Scheduled")
		self.assertEqual(
			postponed.due_at, datetime(2026, 11, 18, 12, 0), "09:00 in Los Angeles is 12:00 in New York"
		)

	def test_window_holds_across_the_dst_change(self):
		_p, _l, london = self.lapse_due(winback_time_zone="Europe/London")
		_p, _l, ny = self.lapse_due()
		for attempt in (london, ny):
			frappe.db.set_value("Win-Back Contact Attempt", attempt, "due_at", datetime(2026, 3, 9, 8, 0))
		# Monday 2026-03-09 08:30 EDT (New York moved its clocks the day before) is 12:30 in London (GMT).
		result, _counts = self.run_once(datetime(2026, 3, 9, 8, 30))
		self.assertEqual([c.attempt["name"] for c in result.to_send], [london])
		self.assertEqual(self.attempt(ny).due_at, datetime(2026, 3, 9, 9, 0))

	def test_caps_hold_when_two_campaigns_reach_the_same_patient_and_number(self):
		p, lapse, first = self.lapse_due()
		# A second campaign's lapse for the same patient (the race the cap exists for), due at the same time.
		from winback_app.detection import writer
		from winback_app.detection.reader import patient_facts
		from winback_app.engine.detection import Candidate, Entry
		from winback_app.segments import segment_spec

		other = f.segment("T Dispatch other", "Unfinished Treatment", min_days=30, max_days=180)
		spec = segment_spec(frappe.get_doc("Campaign Segment", other))
		entry = Entry(p, other, Candidate(p, add_days(getdate(), -40)), False, "test")
		writer.insert_lapses(
			[entry],
			patient_facts(getdate(), only=[p]),
			{other: spec},
			"2026-11",
			"America/New_York",
			send_window(),
		)
		second = frappe.db.get_value(
			"Win-Back Contact Attempt", {"segment": other, "patient": p, "day_offset": 1}, "name"
		)
		frappe.db.set_value(
			"Win-Back Contact Attempt", second, "due_at", WEDNESDAY_NOON - timedelta(minutes=1)
		)
		# A family member on the same number.
		number = frappe.db.get_value("Patient", p, "mobile")
		_q, _ql, sibling = self.lapse_due(mobile=number)

		result, counts = self.run_once()
		self.assertEqual(counts, {"Sent": 1})
		held = [self.attempt(n) for n in (first, second, sibling) if n != result.to_send[0].attempt["name"]]
		self.assertTrue(
			all(a.status == "Scheduled" and "cap reached" in a.skip_reason for a in held),
			[(a.status, a.skip_reason) for a in held],
		)
		self.assertTrue(all(a.due_at > WEDNESDAY_NOON for a in held))

	def test_email_unsubscribe_between_enqueue_and_send_blocks_it(self):
		settings(sending_mode="SMS Settings Gateway")  # email then goes through frappe.sendmail
		f.outgoing_email_account()
		p, lapse, name = self.lapse_due(channel="Email")
		_result, counts = self.run_once()
		self.assertEqual(counts, {"Sent": 1}, self.attempt(name).error_message)
		email = frappe.db.get_value("Patient", p, "email")
		queued = frappe.get_all(
			"Email Queue",
			filters={"reference_doctype": "Patient Lapse", "reference_name": lapse, "status": "Not Sent"},
			pluck="name",
		)
		self.assertEqual(len(queued), 1)
		frappe.get_doc({"doctype": "Email Unsubscribe", "email": email, "global_unsubscribe": 1}).insert(
			ignore_permissions=True
		)
		self.assertFalse(frappe.db.exists("Email Queue", queued[0]), "the unsent email was withdrawn")
		a = self.attempt(name)
		self.assertEqual((a.status, a.skip_reason), ("Cancelled", "Unsubscribed before the email left"))


class TestTwilioOutcomes(DispatchCase):
	def setUp(self):
		super().setUp()
		twilio_settings()

	def twilio_error(self, rsps, status, code):
		rsps.add(
			responses.POST,
			MESSAGES_URL,
			json={"code": code, "message": f"error {code}", "more_info": "", "status": status},
			status=status,
		)

	def test_accepted_message_keeps_twilios_id(self):
		_p, _l, name = self.lapse_due()
		with responses.RequestsMock() as rsps:
			rsps.add(
				responses.POST, MESSAGES_URL, json={"sid": "SM" + "a" * 32, "status": "queued"}, status=201
			)
			self.run_once()
			sent = rsps.calls[0].request.body
		a = self.attempt(name)
		self.assertEqual((a.status, a.provider, a.provider_id), ("Sent", "Twilio", "SM" + "a" * 32))
		self.assertIn(
			"StatusCallback=https%3A%2F%2Fclinic.example.com%2Fapi%2Fmethod%2Fwinback_app.api.sms.status",
			sent,
		)

	def test_21610_opts_the_number_out_everywhere(self):
		p, lapse, name = self.lapse_due()
		with responses.RequestsMock() as rsps:
			self.twilio_error(rsps, 400, 21610)
			self.run_once()
		number = self.attempt(name).to_address
		self.assertEqual(self.attempt(name).status, "Failed")
		self.assertEqual(
			frappe.db.get_value("Win-Back SMS Opt-Out", number, ["active", "reason", "source"]),
			(1, "Opted Out", "Carrier"),
		)
		self.assertEqual(frappe.db.get_value("Patient Lapse", lapse, "status"), "Opted Out")

	def test_invalid_number_falls_back_to_email(self):
		f.outgoing_email_account()
		_p, _lapse, name = self.lapse_due()
		with responses.RequestsMock() as rsps:
			self.twilio_error(rsps, 400, 21211)
			self.run_once()
			a = self.attempt(name)
			self.assertEqual(
				frappe.db.get_value("Win-Back SMS Opt-Out", a.to_address, "reason"), "Invalid Number"
			)
			self.assertEqual(a.status, "Scheduled")
			frappe.db.set_value("Win-Back Contact Attempt", name, "due_at", WEDNESDAY_NOON)
			result, counts = self.run_once(WEDNESDAY_NOON + timedelta(minutes=1))
		self.assertEqual(counts, {"Sent": 1})
		a = self.attempt(name)
		self.assertEqual((a.status, a.channel, a.provider), ("Sent", "Email", "Email"))

	def test_rate_limit_and_server_errors_retry_with_backoff(self):
		_p, _l, name = self.lapse_due()
		with responses.RequestsMock() as rsps:
			self.twilio_error(rsps, 429, 20429)
			self.run_once()
		a = self.attempt(name)
		self.assertEqual((a.status, a.tries), ("Scheduled", 1))
		self.assertGreater(a.due_at, now_datetime())

	def test_timeout_after_the_request_left_is_unknown_and_never_reposted(self):
		_p, _l, name = self.lapse_due()
		with responses.RequestsMock() as rsps:
			rsps.add(responses.POST, MESSAGES_URL, body=requests.exceptions.ReadTimeout("read timed out"))
			self.run_once()
			self.assertEqual(len(rsps.calls), 1)
			self.run_once(WEDNESDAY_NOON + timedelta(hours=1))
			self.assertEqual(len(rsps.calls), 1, "an Unknown attempt is never POSTed again")
		self.assertEqual(self.attempt(name).status, "Unknown")


class TestStatusCallback(DispatchCase):
	def setUp(self):
		super().setUp()
		twilio_settings()

	def call(self, params, signature=None):
		from winback_app.api.sms import status

		return twilio_post(status, "winback_app.api.sms.status", params, signature)

	def test_signed_reports_move_status_forward_only(self):
		_p, _l, name = self.lapse_due()
		frappe.db.set_value("Win-Back Contact Attempt", name, {"status": "Sent", "provider_id": "SMabc"})
		forged = self.call({"MessageSid": "SMabc", "MessageStatus": "delivered"}, signature="forged")
		self.assertEqual(forged.status_code, 403)
		self.assertEqual(self.attempt(name).status, "Sent")
		self.assertEqual(self.call({"MessageSid": "SMabc", "MessageStatus": "delivered"}).status_code, 204)
		self.assertEqual(self.attempt(name).status, "Delivered")
		self.call({"MessageSid": "SMabc", "MessageStatus": "sent"})  # late and out of order
		self.assertEqual(self.attempt(name).status, "Delivered")
		self.assertEqual(self.call({"MessageSid": "SMnobody", "MessageStatus": "delivered"}).status_code, 204)

	def test_carrier_failure_report_flags_the_number(self):
		_p, _l, name = self.lapse_due()
		frappe.db.set_value(
			"Win-Back Contact Attempt",
			name,
			{"status": "Sent", "provider_id": "SMxyz", "to_address": "+12025550142"},
		)
		self.call({"MessageSid": "SMxyz", "MessageStatus": "undelivered", "ErrorCode": "30006"})
		self.assertEqual((self.attempt(name).status, self.attempt(name).error_code), ("Failed", "30006"))
		self.assertEqual(
			frappe.db.get_value("Win-Back SMS Opt-Out", "+12025550142", "reason"), "Invalid Number"
		)


class TestExactlyOnce(DispatchCase):
	"""These tests commit (two workers need to see the same rows), then delete everything they made."""

	def setUp(self):
		super().setUp()
		self.lapses = []

	def tearDown(self):
		frappe.db.rollback()
		Attempt = frappe.qb.DocType("Win-Back Contact Attempt")
		Lapse = frappe.qb.DocType("Patient Lapse")
		Comm = frappe.qb.DocType("Communication")
		Link = frappe.qb.DocType("Communication Link")
		if self.lapses:
			comms = (
				frappe.qb.from_(Comm)
				.select(Comm.name)
				.where(Comm.reference_doctype == "Patient Lapse")
				.where(Comm.reference_name.isin(self.lapses))
				.run(pluck=True)
			)
			if comms:
				frappe.qb.from_(Link).delete().where(Link.parent.isin(comms)).run()
				frappe.qb.from_(Comm).delete().where(Comm.name.isin(comms)).run()
			frappe.qb.from_(Attempt).delete().where(Attempt.lapse.isin(self.lapses)).run()
			frappe.qb.from_(Lapse).delete().where(Lapse.name.isin(self.lapses)).run()
		for name in frappe.get_all(
			"Campaign Segment", filters={"name": ("like", "T Dispatch%")}, pluck="name"
		):
			frappe.delete_doc("Campaign Segment", name, force=True, ignore_permissions=True)
		f.reset_settings()
		frappe.db.commit()
		super().tearDown()

	def many_due(self, n: int):
		"""n due SMS attempts, one per patient, committed; patients get a time zone where it is midday now."""
		zone = daytime_zone(datetime.now(timezone.utc))
		settings(
			sending_mode="Outbox",
			**{
				f"send_on_{d}": 1
				for d in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
			},
		)
		patients = frappe.get_all(
			"Patient", filters={"first_name": ("like", "_T WB Bulk%")}, pluck="name", limit=n
		)
		missing = n - len(patients)
		if missing > 0:
			patients += _bulk_patients(missing, start=len(patients))
		for p in patients:
			frappe.db.set_value("Patient", p, "winback_time_zone", zone, update_modified=False)
		seg = f.segment(
			f"T Dispatch bulk {frappe.generate_hash(length=4)}",
			"Recall Window",
			min_days=180,
			max_days=270,
			touches=[{"day_offset": 1, "channel": "SMS", "template": "{{ first_name }}: {{ booking_link }}"}],
		)
		from winback_app.detection import writer
		from winback_app.detection.reader import patient_facts
		from winback_app.engine.detection import Candidate, Entry
		from winback_app.segments import segment_spec

		spec = segment_spec(frappe.get_doc("Campaign Segment", seg))
		entries = [Entry(p, seg, Candidate(p, add_days(getdate(), -200)), False, "test") for p in patients]
		self.lapses = writer.insert_lapses(
			entries, patient_facts(getdate(), only=patients), {seg: spec}, "2026-11", zone, send_window()
		)
		Attempt = frappe.qb.DocType("Win-Back Contact Attempt")
		frappe.qb.update(Attempt).set(Attempt.due_at, now_datetime() - timedelta(minutes=1)).where(
			Attempt.lapse.isin(self.lapses)
		).run()
		frappe.db.commit()

	def test_two_dispatchers_at_once_send_each_attempt_exactly_once(self):
		self.many_due(1000)
		results, errors = concurrently(lambda: dispatch(chunk=50), lambda: dispatch(chunk=50))
		self.assertEqual(errors, [])
		Attempt = frappe.qb.DocType("Win-Back Contact Attempt")
		rows = (
			frappe.qb.from_(Attempt)
			.select(Attempt.status, Attempt.communication, Attempt.skip_reason)
			.where(Attempt.lapse.isin(self.lapses))
			.run()
		)
		self.assertEqual(
			[r[0] for r in rows].count("Sent"),
			1000,
			({(r[0], r[2]) for r in rows if r[0] != "Sent"}, results),
		)
		comms = [r[1] for r in rows]
		self.assertEqual(len(set(comms)), 1000, "one Communication per attempt")
		self.assertEqual(
			frappe.db.count(
				"Communication", {"reference_doctype": "Patient Lapse", "reference_name": ("in", self.lapses)}
			),
			1000,
		)
		self.assertEqual(sum(r.get("Sent", 0) for r in results), 1000)
		self.assertTrue(all(r.get("Sent", 0) > 0 for r in results), f"both workers took a share: {results}")

	def test_caps_hold_when_two_dispatchers_race_for_one_patient(self):
		"""Two campaigns' attempts for one patient, due together, each taken by a different worker at once."""
		self.many_due(1)
		[first_lapse] = self.lapses
		patient = frappe.db.get_value("Patient Lapse", first_lapse, "patient")
		from winback_app.detection import writer
		from winback_app.detection.reader import patient_facts
		from winback_app.engine.detection import Candidate, Entry
		from winback_app.segments import segment_spec

		other = f.segment(
			f"T Dispatch race {frappe.generate_hash(length=4)}",
			"Unfinished Treatment",
			min_days=30,
			max_days=180,
			touches=[{"day_offset": 1, "channel": "SMS", "template": "{{ first_name }}: {{ booking_link }}"}],
		)
		spec = segment_spec(frappe.get_doc("Campaign Segment", other))
		zone = frappe.db.get_value("Patient", patient, "winback_time_zone")
		self.lapses += writer.insert_lapses(
			[Entry(patient, other, Candidate(patient, add_days(getdate(), -40)), False, "race")],
			patient_facts(getdate(), only=[patient]),
			{other: spec},
			"2026-11",
			zone,
			send_window(),
		)
		Attempt = frappe.qb.DocType("Win-Back Contact Attempt")
		frappe.qb.update(Attempt).set(Attempt.due_at, now_datetime() - timedelta(minutes=1)).where(
			Attempt.lapse.isin(self.lapses)
		).run()
		frappe.db.commit()
		# one attempt per claim: each worker can take one of the two
		_results, errors = concurrently(lambda: dispatch(chunk=1), lambda: dispatch(chunk=1))
		self.assertEqual(errors, [])
		frappe.db.rollback()
		rows = (
			frappe.qb.from_(Attempt)
			.select(Attempt.status, Attempt.skip_reason)
			.where(Attempt.lapse.isin(self.lapses))
			.run()
		)
		self.assertEqual(sorted(r[0] for r in rows), ["Scheduled", "Sent"], rows)
		self.assertIn("cap reached", [r[1] for r in rows if r[0] == "Scheduled"][0])

	def test_a_crash_between_claim_and_send_leaves_unknown_never_a_resend(self):
		self.many_due(3)
		s = get_settings()
		claimed = claim(
			now_datetime(), 10, "crashed-worker", send_window(), Caps(1, 3), False, all_segment_specs()
		)
		frappe.db.commit()  # the claim is durable; the worker dies here, before any provider call
		self.assertEqual(len(claimed.to_send), 3)
		self.assertEqual(dispatch(), {"claimed": 0, "skipped": 0, "postponed": 0, "recovered": 0})
		self.assertEqual(recover_stale(now_datetime() + timedelta(minutes=20)), 3)
		frappe.db.commit()
		self.assertEqual(dispatch()["claimed"], 0)
		statuses = frappe.get_all(
			"Win-Back Contact Attempt", filters={"lapse": ("in", self.lapses)}, pluck="status"
		)
		self.assertEqual(statuses, ["Unknown"] * 3)
		self.assertEqual(
			frappe.db.count(
				"Communication", {"reference_doctype": "Patient Lapse", "reference_name": ("in", self.lapses)}
			),
			0,
		)
		self.assertIsNotNone(s)


AREAS = (
	"212",
	"303",
	"312",
	"404",
	"415",
	"503",
	"602",
	"617",
	"713",
	"808",
)  # 1,000 distinct 555-01xx numbers, none shared with factories.mobile()


def _bulk_patients(n: int, start: int = 0) -> list[str]:
	"""Reusable bulk patients (committed once) for the concurrency tests: inserting 1,000 Patient documents
	through the host would create 1,000 customers and take minutes."""
	now = now_datetime()
	names = [f"_T-WB-BULK-{frappe.generate_hash(length=8)}" for _ in range(n)]
	gender = frappe.db.get_value("Gender", {}, "name")
	rows = [
		(
			name,
			now,
			now,
			"Administrator",
			"Administrator",
			0,
			f"_T WB Bulk {i}",
			f"_T WB Bulk {i}",
			gender,
			"Active",
			f"({AREAS[i // 100 % 10]}) 555-01{i % 100:02d}",
			"Unknown",
		)
		for i, name in enumerate(names, start=start)
	]
	frappe.db.bulk_insert(
		"Patient",
		[
			"name",
			"creation",
			"modified",
			"owner",
			"modified_by",
			"docstatus",
			"first_name",
			"patient_name",
			"sex",
			"status",
			"mobile",
			"winback_sms_consent",
		],
		rows,
	)
	from winback_app.phones import sync_stale

	sync_stale()
	frappe.db.commit()
	return names


class TestOneLinkPerLapse(DispatchCase):
	def test_two_touches_of_one_lapse_in_one_chunk_carry_the_same_working_link(self):
		_p, lapse, first = self.lapse_due()
		from winback_app.detection import writer  # noqa: F401  (the lapse already has its day-1 attempt)

		second = frappe.get_doc(
			{
				"doctype": "Win-Back Contact Attempt",
				"lapse": lapse,
				"touch": "extra-touch",
				"patient": _p,
				"segment": frappe.db.get_value("Patient Lapse", lapse, "segment"),
				"channel": "Call Task",
				"due_at": WEDNESDAY_NOON - timedelta(minutes=1),
				"status": "Scheduled",
			}
		).insert(ignore_permissions=True)
		seg = frappe.get_doc("Campaign Segment", second.segment)
		seg.append(
			"touches",
			{
				"day_offset": 14,
				"channel": "Call Task",
				"template": "Call {{ first_name }}: {{ booking_link }}",
			},
		)
		seg.save(ignore_permissions=True)
		frappe.db.set_value("Win-Back Contact Attempt", second.name, "touch", seg.touches[-1].name)
		self.run_once()
		links = {
			frappe.db.get_value("Win-Back Contact Attempt", n, "body")
			.split("/book/")[1]
			.split()[0]
			.rstrip(".")
			for n in (first, second.name)
		}
		self.assertEqual(len(links), 1, "both touches carry the same link")
		from winback_app.booking.service import lapse_for_token

		self.assertEqual(lapse_for_token(links.pop()).name, lapse)
