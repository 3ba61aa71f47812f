"""The dispatcher on a real site: exactly once, in window, capped, opt-outs honoured, Twilio outcomes."""

import json
import threading
import time as time_module
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs

import requests
import responses
from twilio.request_validator import RequestValidator
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

import frappe
from frappe.utils import add_days, getdate, now_datetime

from winback_app.detection.run import detect_lapses
from winback_app.engine.sending import Caps
from winback_app.engine.tokens import token_hash
from winback_app.engine.window import daytime_zone
from winback_app.infra.clock import to_utc
from winback_app.sending.claim import claim
from winback_app.sending.run import all_segment_specs, channels_for, dispatch
from winback_app.sending.send import RunState, recover_stale, send_claimed
from winback_app.sending.states import configured_ends
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


def twilio_post(view, method: str, params: dict, signature: str | None = None, query: str = ""):
	"""Call a webhook view as Twilio would: a form POST to /api/method/<method>[?query], signed for the public
	URL (Settings > public site address, https://clinic.example.com in tests) unless a signature is given."""
	path = f"/api/method/{method}" + (f"?{query}" if query else "")
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
		detect_lapses()
		[lapse] = f.lapses_of(p)
		attempt = frappe.db.get_value("Win-Back Contact Attempt", {"lapse": lapse.name}, "name")
		frappe.db.set_value(
			"Win-Back Contact Attempt", attempt, "due_at", WEDNESDAY_NOON - timedelta(minutes=1)
		)
		return p, lapse.name, attempt

	def run_once(self, now=WEDNESDAY_NOON, http_client=None, send_at=None):
		"""Claim at `now` and send at `send_at` (default: the same moment), as one dispatcher chunk."""
		s = get_settings()
		result = claim(
			now, 500, "test-claim", send_window(), Caps(1, 3), False, all_segment_specs(), configured_ends(s)
		)
		leaving = to_utc(send_at or now)
		counts = send_claimed(
			result.to_send, channels_for(s, http_client), s, run=RunState(clock=lambda: leaving)
		)
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
		from winback_app.contacts.optouts import block_number

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

	def test_rate_limit_gives_the_attempt_back_without_spending_a_try(self):
		_p, _l, name = self.lapse_due()
		with responses.RequestsMock() as rsps:
			self.twilio_error(rsps, 429, 20429)
			_result, counts = self.run_once()
		a = self.attempt(name)
		self.assertEqual(counts, {"Returned": 1})
		self.assertEqual((a.status, a.tries, a.claim_token), ("Scheduled", 0, None))
		self.assertTrue(
			a.skip_reason.startswith("Returned unsent: The provider is rate-limiting"), a.skip_reason
		)
		self.assertGreater(a.due_at, now_datetime() + timedelta(minutes=4))

	def test_a_connection_that_never_reached_twilio_retries_with_backoff(self):
		_p, _l, name = self.lapse_due()
		with responses.RequestsMock() as rsps:
			rsps.add(
				responses.POST, MESSAGES_URL, body=requests.exceptions.ConnectTimeout("connect timed out")
			)
			self.run_once()
		a = self.attempt(name)
		self.assertEqual((a.status, a.tries, a.skip_reason), ("Scheduled", 1, "Retrying"))
		self.assertGreater(a.due_at, now_datetime())

	def test_a_502_after_creation_sends_nothing_twice_and_its_report_resolves_it(self):
		from winback_app.api.sms import status

		_p, _l, name = self.lapse_due()
		with responses.RequestsMock() as rsps:
			rsps.add(responses.POST, MESSAGES_URL, body="<html>502 Bad Gateway</html>", status=502)
			self.run_once()
			self.assertEqual(len(rsps.calls), 1)
			callback = parse_qs(rsps.calls[0].request.body)["StatusCallback"][0]
			self.run_once(WEDNESDAY_NOON + timedelta(hours=1))
			self.run_once(WEDNESDAY_NOON + timedelta(days=1))
			self.assertEqual(len(rsps.calls), 1, "a message that may exist is never POSTed again")
		a = self.attempt(name)
		self.assertEqual((a.status, a.error_code, a.provider_id), ("Unknown", "502", None))
		# Twilio had created it after all: its report, sent to the URL that names the attempt, settles it.
		self.assertEqual(callback.split("?")[1], f"attempt={name}")
		response = twilio_post(
			status,
			"winback_app.api.sms.status",
			{"MessageSid": "SM" + "5" * 32, "MessageStatus": "delivered"},
			query=f"attempt={name}",
		)
		self.assertEqual(response.status_code, 204)
		a = self.attempt(name)
		self.assertEqual((a.status, a.provider_id), ("Delivered", "SM" + "5" * 32))
		self.assertIn("Resolved by Twilio's delivery report", a.error_message)

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

	def call(self, params, signature=None, query=""):
		from winback_app.api.sms import status

		return twilio_post(status, "winback_app.api.sms.status", params, signature, query)

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

	def test_a_report_naming_an_unknown_attempt_resolves_it_without_its_message_id(self):
		"""A read timeout after the request left: no message id was ever recorded. The report's URL names it."""
		_p, _l, name = self.lapse_due()
		frappe.db.set_value("Win-Back Contact Attempt", name, {"status": "Unknown", "provider_id": None})
		self.call({"MessageSid": "SMlate", "MessageStatus": "sent"}, query=f"attempt={name}")
		a = self.attempt(name)
		self.assertEqual((a.status, a.provider_id), ("Sent", "SMlate"))
		self.call({"MessageSid": "SMlate", "MessageStatus": "delivered"}, query=f"attempt={name}")
		self.assertEqual(self.attempt(name).status, "Delivered")

	def test_a_signed_report_cannot_be_pointed_at_another_attempt(self):
		_p, _l, first = self.lapse_due()
		_p, _l, second = self.lapse_due()
		for name in (first, second):
			frappe.db.set_value("Win-Back Contact Attempt", name, {"status": "Sending", "provider_id": None})
		params = {"MessageSid": "SMabc", "MessageStatus": "undelivered", "ErrorCode": "30006"}
		signed_for_first = RequestValidator(TWILIO_TOKEN).compute_signature(
			f"https://clinic.example.com/api/method/winback_app.api.sms.status?attempt={first}", params
		)
		moved = self.call(params, signature=signed_for_first, query=f"attempt={second}")
		self.assertEqual(moved.status_code, 403)
		self.assertEqual(self.attempt(second).status, "Sending")
		self.assertEqual(self.call(params, query=f"attempt={first}").status_code, 204)
		self.assertEqual((self.attempt(first).status, self.attempt(first).error_code), ("Failed", "30006"))

	def test_a_report_for_another_message_of_the_attempt_changes_nothing(self):
		_p, _l, name = self.lapse_due()
		frappe.db.set_value("Win-Back Contact Attempt", name, {"status": "Sent", "provider_id": "SMours"})
		self.call({"MessageSid": "SMother", "MessageStatus": "failed"}, query=f"attempt={name}")
		self.assertEqual((self.attempt(name).status, self.attempt(name).provider_id), ("Sent", "SMours"))

	def test_no_report_revives_a_skipped_or_cancelled_attempt(self):
		_p, _l, name = self.lapse_due()
		for status in ("Skipped", "Cancelled"):
			frappe.db.set_value("Win-Back Contact Attempt", name, {"status": status, "provider_id": None})
			self.call({"MessageSid": "SMx", "MessageStatus": "delivered"}, query=f"attempt={name}")
			self.assertEqual(self.attempt(name).status, status)


class TestAtTheMomentOfLeaving(DispatchCase):
	"""The window, the patient's state and the campaign step, checked again right before the provider call."""

	def setUp(self):
		super().setUp()
		twilio_settings()

	def test_a_text_claimed_a_minute_before_closing_and_not_sent_in_time_stays_for_tomorrow(self):
		_p, _l, late = self.lapse_due()
		_p, _l, on_time = self.lapse_due()
		before_close = datetime(
			2026, 11, 18, 18, 59
		)  # Wednesday, New York (the system zone): window ends 19:00
		for attempt in (late, on_time):
			frappe.db.set_value(
				"Win-Back Contact Attempt", attempt, "due_at", before_close - timedelta(minutes=1)
			)
		with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
			rsps.add(
				responses.POST, MESSAGES_URL, json={"sid": "SM" + "b" * 32, "status": "queued"}, status=201
			)
			# The chunk was claimed at 18:59; the provider call would start at 19:00:30.
			result, counts = self.run_once(before_close, send_at=before_close + timedelta(seconds=90))
			self.assertEqual(len(result.to_send), 2, "both were claimed inside the window")
			self.assertEqual(counts, {"Postponed": 2})
			self.assertEqual(len(rsps.calls), 0, "nothing left after hours")
		a = self.attempt(late)
		self.assertEqual((a.status, a.claim_token, a.tries), ("Scheduled", None, 0))
		self.assertEqual(a.due_at, datetime(2026, 11, 19, 9, 0))
		self.assertEqual(a.skip_reason, "Postponed: the send window closed before it left")

	def test_the_validity_period_is_the_time_left_in_the_window(self):
		_p, _l, name = self.lapse_due()
		ten_to_seven = datetime(2026, 11, 18, 18, 50)
		frappe.db.set_value("Win-Back Contact Attempt", name, "due_at", ten_to_seven - timedelta(minutes=1))
		with responses.RequestsMock() as rsps:
			rsps.add(
				responses.POST, MESSAGES_URL, json={"sid": "SM" + "c" * 32, "status": "queued"}, status=201
			)
			self.run_once(ten_to_seven, send_at=ten_to_seven + timedelta(seconds=20))
			sent = parse_qs(rsps.calls[0].request.body)
		self.assertEqual(sent["ValidityPeriod"], ["580"], "Twilio drops it if still queued at 19:00")
		self.assertEqual(self.attempt(name).status, "Sent")

	def florida_settings(self):
		twilio_settings()
		doc = settings(
			sending_mode="Twilio",
			twilio_account_sid=TWILIO_SID,
			twilio_auth_token=TWILIO_TOKEN,
			twilio_messaging_service_sid="MG" + "1" * 32,
			window_end="21:00:00",
			state_windows=[{"state": "Florida", "latest_end": "20:00:00"}],
		)
		self.assertEqual([(r.state, str(r.latest_end)) for r in doc.state_windows], [("Florida", "20:00:00")])

	def test_a_florida_number_gets_no_text_after_eight_pm(self):
		self.florida_settings()
		_p, _l, miami = self.lapse_due(mobile="(305) 555-0142")
		_p, _l, new_york = self.lapse_due(mobile="(646) 555-0142")
		quarter_past_eight = datetime(2026, 11, 18, 20, 15)  # both patients in New York's zone
		for attempt in (miami, new_york):
			frappe.db.set_value("Win-Back Contact Attempt", attempt, "due_at", quarter_past_eight)
		with responses.RequestsMock() as rsps:
			rsps.add(
				responses.POST, MESSAGES_URL, json={"sid": "SM" + "d" * 32, "status": "queued"}, status=201
			)
			result, counts = self.run_once(quarter_past_eight + timedelta(minutes=1))
			self.assertEqual([parse_qs(c.request.body)["To"] for c in rsps.calls], [["+16465550142"]])
		self.assertEqual([c.attempt["name"] for c in result.to_send], [new_york])
		held = self.attempt(miami)
		self.assertEqual((held.status, held.due_at), ("Scheduled", datetime(2026, 11, 19, 9, 0)))
		self.assertEqual(
			held.skip_reason, "Postponed: Outside the send window: texts end at 20:00 in Florida"
		)

	def test_a_florida_address_holds_a_new_york_number_too(self):
		self.florida_settings()
		p, _l, name = self.lapse_due(mobile="(917) 555-0142")
		frappe.get_doc(
			{
				"doctype": "Address",
				"address_title": "Home",
				"address_type": "Billing",
				"address_line1": "1 Example Way",
				"city": "Miami",
				"state": "FL",
				"country": frappe.db.get_value("Country", {"code": "us"}) or "United States",
				"links": [{"link_doctype": "Patient", "link_name": p}],
			}
		).insert(ignore_permissions=True)
		quarter_past_eight = datetime(2026, 11, 18, 20, 15)
		frappe.db.set_value("Win-Back Contact Attempt", name, "due_at", quarter_past_eight)
		with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
			rsps.add(
				responses.POST, MESSAGES_URL, json={"sid": "SM" + "e" * 32, "status": "queued"}, status=201
			)
			result, _counts = self.run_once(quarter_past_eight + timedelta(minutes=1))
			self.assertEqual(len(rsps.calls), 0)
		self.assertEqual(result.to_send, [])
		self.assertIn("in Florida", self.attempt(name).skip_reason)
		# At 19:30 the Florida patient is inside both windows, and the validity period ends at 20:00.
		frappe.db.set_value("Win-Back Contact Attempt", name, "due_at", datetime(2026, 11, 19, 19, 30))
		with responses.RequestsMock() as rsps:
			rsps.add(
				responses.POST, MESSAGES_URL, json={"sid": "SM" + "e" * 32, "status": "queued"}, status=201
			)
			self.run_once(datetime(2026, 11, 19, 19, 30))
			self.assertEqual(parse_qs(rsps.calls[0].request.body)["ValidityPeriod"], ["1800"])

	def test_a_step_switched_from_text_to_email_never_sends_the_email_body_by_text(self):
		f.outgoing_email_account()
		_p, lapse, name = self.lapse_due()
		segment = frappe.get_doc("Campaign Segment", frappe.db.get_value("Patient Lapse", lapse, "segment"))
		touch = segment.touches[0]
		touch.channel = "Email"
		touch.email_subject = "A note from us"
		touch.template = (
			"Dear {{ first_name }},\n\nIt has been a while since your last visit and we would love to see you "
			"again. Here is everything about our new evening hours, our parking, and how to book online: "
			"{{ booking_link }}\n\nWarm regards, the front desk"
		)
		segment.save(ignore_permissions=True)
		with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
			rsps.add(
				responses.POST, MESSAGES_URL, json={"sid": "SM" + "f" * 32, "status": "queued"}, status=201
			)
			_result, counts = self.run_once()
			self.assertEqual(len(rsps.calls), 0, "no text went to Twilio")
		a = self.attempt(name)
		self.assertEqual(counts, {"Sent": 1})
		self.assertEqual((a.status, a.channel, a.provider), ("Sent", "Email", "Email"))
		self.assertIn("evening hours", a.body)
		self.assertEqual(
			frappe.db.count("Email Queue", {"reference_doctype": "Patient Lapse", "reference_name": lapse}), 1
		)

	def test_a_text_claimed_on_a_step_that_is_not_a_text_is_skipped(self):
		"""The guard behind the claim: whatever the decision says, a text only ever carries a text step's words."""
		from dataclasses import replace as dc_replace

		_p, _l, name = self.lapse_due()
		s = get_settings()
		claimed = claim(WEDNESDAY_NOON, 500, "t", send_window(), Caps(1, 3), False, all_segment_specs())
		[c] = claimed.to_send
		c.attempt["touch_spec"] = dc_replace(c.attempt["touch_spec"], channel="Email")
		with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
			rsps.add(responses.POST, MESSAGES_URL, json={"sid": "SM1", "status": "queued"}, status=201)
			counts = send_claimed([c], channels_for(s), s, run=RunState(clock=lambda: to_utc(WEDNESDAY_NOON)))
			self.assertEqual(len(rsps.calls), 0)
		self.assertEqual(counts, {"Skipped": 1})
		self.assertEqual(self.attempt(name).skip_reason, "The campaign step is no longer a text")

	def test_the_rendered_text_is_checked_again_before_it_leaves(self):
		_p, _l, name = self.lapse_due(first_name="Botox")
		with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
			rsps.add(responses.POST, MESSAGES_URL, json={"sid": "SM1", "status": "queued"}, status=201)
			_result, counts = self.run_once()
			self.assertEqual(len(rsps.calls), 0)
		a = self.attempt(name)
		self.assertEqual((counts, a.status), ({"Skipped": 1}, "Skipped"))
		self.assertEqual(a.skip_reason, "Clinical words in the text: botox")


class TestGateway(DispatchCase):
	def test_a_hung_gateway_cannot_hang_the_dispatcher(self):
		"""A gateway that accepts the connection and never answers: Unknown after the timeout, not a hung job."""
		import socket
		import threading
		import time as clock

		server = socket.socket()
		server.bind(("127.0.0.1", 0))
		server.listen(5)
		held = []
		threading.Thread(target=lambda: held.append(server.accept()), daemon=True).start()
		try:
			sms = frappe.get_single("SMS Settings")
			sms.sms_gateway_url = f"http://127.0.0.1:{server.getsockname()[1]}/send"
			sms.message_parameter, sms.receiver_parameter, sms.use_post = "text", "to", 1
			sms.save(ignore_permissions=True)
			settings(sending_mode="SMS Settings Gateway", request_timeout_seconds=1)
			_p, _l, name = self.lapse_due()
			started = clock.monotonic()
			_result, counts = self.run_once()
			took = clock.monotonic() - started
		finally:
			server.close()
		self.assertLess(took, 10)
		self.assertEqual(counts, {"Unknown": 1})
		self.assertEqual(
			(self.attempt(name).status, self.attempt(name).error_code), ("Unknown", "ReadTimeout")
		)
		self.assertEqual(len(held), 1, "the request did reach the gateway: it may have been sent")

	def test_gateway_answers_map_to_outcomes(self):
		sms = frappe.get_single("SMS Settings")
		sms.sms_gateway_url = "https://gateway.example.com/send"
		sms.message_parameter, sms.receiver_parameter, sms.use_post = "text", "to", 0
		sms.set("parameters", [{"parameter": "key", "value": "k1", "header": 0}])
		sms.save(ignore_permissions=True)
		settings(sending_mode="SMS Settings Gateway")
		names = [self.lapse_due()[2] for _ in range(3)]
		with responses.RequestsMock() as rsps:
			rsps.add(responses.GET, "https://gateway.example.com/send", body="OK", status=200)
			rsps.add(responses.GET, "https://gateway.example.com/send", body="bad", status=400)
			rsps.add(responses.GET, "https://gateway.example.com/send", body="oops", status=502)
			_result, counts = self.run_once()
			sent = [parse_qs(c.request.url.split("?", 1)[1]) for c in rsps.calls]
		self.assertEqual(counts, {"Sent": 1, "Failed": 1, "Unknown": 1})
		self.assertEqual(sorted(self.attempt(n).status for n in names), ["Failed", "Sent", "Unknown"])
		self.assertTrue(all(q["key"] == ["k1"] and q["to"][0].startswith("+1") for q in sent), sent)


class TestAlertsAndSetup(DispatchCase):
	def tearDown(self):
		from winback_app.sending.alerts import CACHE_KEY

		frappe.cache.delete_value(CACHE_KEY)
		super().tearDown()

	def test_managers_hear_once_when_failed_or_unknown_attempts_pile_up(self):
		from winback_app.sending.alerts import CACHE_KEY, alert_if_needed

		manager = f.desk_user("winback-alerts@example.com", role="Win-Back Manager")
		frappe.cache.delete_value(CACHE_KEY)
		s = settings(alert_threshold=2, alert_hours=6)
		names = [self.lapse_due()[2] for _ in range(2)]
		frappe.db.set_value(
			"Win-Back Contact Attempt", names[0], {"status": "Failed", "claimed_at": now_datetime()}
		)
		self.assertEqual(alert_if_needed(s), 1)
		self.assertFalse(frappe.db.exists("Notification Log", {"for_user": manager, "type": "Alert"}))
		frappe.db.set_value(
			"Win-Back Contact Attempt", names[1], {"status": "Unknown", "claimed_at": now_datetime()}
		)
		self.assertEqual(alert_if_needed(s), 2)
		logs = frappe.get_all(
			"Notification Log", filters={"for_user": manager, "type": "Alert"}, pluck="subject"
		)
		self.assertEqual(len(logs), 1)
		self.assertIn("2 messages failed or may not have gone out in the last 6 hours", logs[0])
		patient_words = [
			frappe.db.get_value("Patient", p, "first_name")
			for p in frappe.get_all(
				"Win-Back Contact Attempt", filters={"name": ("in", names)}, pluck="patient"
			)
		]
		self.assertFalse(any(w and w in logs[0] for w in patient_words), "no patient data in the alert")
		alert_if_needed(s)
		self.assertEqual(
			frappe.db.count("Notification Log", {"for_user": manager, "type": "Alert"}), 1, "once"
		)

	def test_state_windows_are_seeded_once_and_a_clinics_change_stays(self):
		from winback_app.sending.states import seed_state_windows

		doc = settings(state_windows=[], state_windows_seeded=0)
		seed_state_windows()
		doc = frappe.get_single("Win-Back Settings")
		self.assertEqual(
			sorted((r.state, str(r.latest_end)) for r in doc.state_windows),
			[("Florida", "20:00:00"), ("Maryland", "20:00:00"), ("Oklahoma", "20:00:00")],
		)
		doc.set("state_windows", [r for r in doc.state_windows if r.state != "Maryland"])
		doc.save(ignore_permissions=True)
		seed_state_windows()
		doc = frappe.get_single("Win-Back Settings")
		self.assertEqual(sorted(r.state for r in doc.state_windows), ["Florida", "Oklahoma"])

	def test_switching_a_campaign_off_can_cancel_its_planned_messages(self):
		_p, lapse, name = self.lapse_due()
		segment = frappe.get_doc("Campaign Segment", frappe.db.get_value("Patient Lapse", lapse, "segment"))
		planned = frappe.db.count(
			"Win-Back Contact Attempt", {"segment": segment.name, "status": "Scheduled"}
		)
		self.assertGreaterEqual(planned, 1)
		self.assertEqual(segment.planned_messages(), planned)
		with self.assertRaises(frappe.ValidationError):
			segment.cancel_planned_messages()  # still enabled
		segment.enabled = 0
		segment.save(ignore_permissions=True)
		agent = f.desk_user("winback-agent@example.com")
		frappe.set_user(agent)
		try:
			with self.assertRaises(frappe.PermissionError):
				frappe.get_doc("Campaign Segment", segment.name).cancel_planned_messages()
		finally:
			frappe.set_user("Administrator")
		self.assertEqual(segment.cancel_planned_messages(), planned)
		a = self.attempt(name)
		self.assertEqual((a.status, a.skip_reason), ("Cancelled", "Campaign switched off"))
		self.assertEqual(segment.planned_messages(), 0)

	def test_sending_for_real_without_a_public_address_claims_nothing(self):
		from winback_app.settings import PublicAddressMissingError

		_p, _lapse, name = self.lapse_due()
		# As a site set up before the address was required would have it (the form refuses to save this now).
		frappe.db.set_single_value(
			"Win-Back Settings", {"sending_mode": "SMS Settings Gateway", "public_base_url": ""}
		)
		with self.assertRaises(PublicAddressMissingError):
			dispatch(chunk=10, time_budget=5)
		self.assertEqual((self.attempt(name).status, self.attempt(name).claim_token), ("Scheduled", None))


class CommittedCase(DispatchCase):
	"""These tests commit (two workers, or a worker and a webhook, need to see the same rows), then delete
	everything they made."""

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
		_forget_history(patients)
		for p in patients:
			# Adults with a birth date: a patient of unknown age may be kept from texts by the settings.
			frappe.db.set_value(
				"Patient", p, {"winback_time_zone": zone, "dob": "1980-05-17"}, update_modified=False
			)
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

	def twilio_run_settings(self, **values):
		"""Twilio mode for dispatch(), one text in flight at a time unless the test says otherwise."""
		values.setdefault("texts_in_flight", 1)
		settings(
			sending_mode="Twilio",
			twilio_account_sid=TWILIO_SID,
			twilio_auth_token=TWILIO_TOKEN,
			twilio_messaging_service_sid="MG" + "1" * 32,
			**{
				f"send_on_{d}": 1
				for d in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
			},
			**values,
		)
		frappe.db.commit()

	def rows(self) -> list[dict]:
		frappe.db.rollback()  # a fresh snapshot: the runs committed in other transactions
		return frappe.get_all(
			"Win-Back Contact Attempt",
			filters={"lapse": ("in", self.lapses)},
			fields=[
				"name",
				"status",
				"provider_id",
				"communication",
				"claim_token",
				"due_at",
				"tries",
				"skip_reason",
			],
		)

	def statuses(self) -> dict:
		counts: dict = {}
		for row in self.rows():
			counts[row.status] = counts.get(row.status, 0) + 1
		return counts

	@staticmethod
	def created(request):
		sid = "SM" + frappe.generate_hash(length=32)
		return 201, {}, json.dumps({"sid": sid, "status": "queued", "to": parse_qs(request.body)["To"][0]})


class TestExactlyOnce(CommittedCase):
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


def restore_phones(patients: list[str]) -> None:
	"""The phone lookup of these (committed, shared) patients rebuilt from their records, committed."""
	from winback_app.contacts.phones import _replace

	frappe.db.rollback()
	_replace(
		frappe.get_all(
			"Patient", filters={"name": ("in", patients)}, fields=["name", "mobile", "phone"], as_list=True
		)
	)
	frappe.db.commit()


def in_another_connection(job):
	"""Run job in a thread on its own site connection and commit it, as a concurrent web request would."""
	import threading

	site, sites_path = frappe.local.site, frappe.local.sites_path
	out: dict = {}

	def run():
		try:
			frappe.init(site=site, sites_path=sites_path)
			frappe.connect()
			out["result"] = job()
			frappe.db.commit()
		except Exception as exc:  # handed to the caller
			out["error"] = exc
		finally:
			frappe.destroy()

	thread = threading.Thread(target=run)
	thread.start()
	thread.join(timeout=60)
	if "error" in out:
		raise out["error"]
	return out.get("result")


class TestRunsAgainstTwilio(CommittedCase):
	"""Whole dispatcher runs (claim, commit, send, commit) through the real twilio client, HTTP faked at the
	transport."""

	def test_a_report_posted_while_its_attempt_is_still_sending_is_applied(self):
		from winback_app.api.sms import status

		self.many_due(3)
		self.twilio_run_settings()
		seen = []

		def created_and_reported(request):
			code, headers, body = self.created(request)
			sid = json.loads(body)["sid"]
			query = parse_qs(request.body)["StatusCallback"][0].split("?", 1)[1]
			attempt = parse_qs(query)["attempt"][0]

			def twilio_reports():
				before = frappe.db.get_value("Win-Back Contact Attempt", attempt, "status")
				answer = twilio_post(
					status,
					"winback_app.api.sms.status",
					{"MessageSid": sid, "MessageStatus": "delivered"},
					query=query,
				)
				return before, answer.status_code

			# Twilio's report reaches the webhook before the create call has returned to the dispatcher.
			seen.append((attempt, sid, *in_another_connection(twilio_reports)))
			return code, headers, body

		with responses.RequestsMock() as rsps:
			rsps.add_callback(responses.POST, MESSAGES_URL, callback=created_and_reported)
			totals = dispatch()
		self.assertEqual(totals["Sent"], 3)
		self.assertEqual([(before, code) for _a, _s, before, code in seen], [("Sending", 204)] * 3)
		rows = {row.name: row for row in self.rows()}
		for attempt, sid, _before, _code in seen:
			row = rows[attempt]
			self.assertEqual((row.status, row.provider_id), ("Delivered", sid), "the report was kept")
			self.assertTrue(row.communication, "and the dispatcher's own record was written too")

	def test_a_slow_provider_never_leaves_attempts_unknown_for_timing(self):
		"""1 text/s and a chunk of 20: the run's budget ends mid-chunk; what was not sent goes back, not Unknown."""
		self.many_due(25)
		self.twilio_run_settings(messages_per_second=1)
		with responses.RequestsMock() as rsps:
			rsps.add_callback(responses.POST, MESSAGES_URL, callback=self.created)
			totals = dispatch(time_budget=3.5)
			sent = len(rsps.calls)
		self.assertEqual(totals["claimed"], 20, "a chunk holds 20 s of sending at 1 text/s")
		self.assertIn(sent, (1, 2, 3, 4), "one text a second for 3.5 s, less the claim")
		self.assertEqual(totals["stopped"], "The run's time budget ran out")
		self.assertEqual(totals["Returned"], 20 - sent)
		self.assertEqual(
			self.statuses(), {"Sent": sent, "Scheduled": 25 - sent}, "none Sending, none Unknown"
		)
		returned = [r for r in self.rows() if r.status == "Scheduled" and r.skip_reason]
		self.assertEqual(len(returned), 20 - sent)
		self.assertTrue(all(r.claim_token is None and r.due_at <= now_datetime() for r in returned))
		self.assertTrue(
			all(r.skip_reason == "Returned unsent: The run's time budget ran out" for r in returned)
		)
		# The next run takes them, each exactly once.
		self.twilio_run_settings(messages_per_second=0)
		with responses.RequestsMock() as rsps:
			rsps.add_callback(responses.POST, MESSAGES_URL, callback=self.created)
			dispatch()
			self.assertEqual(len(rsps.calls), 25 - sent)
		self.assertEqual(self.statuses(), {"Sent": 25})
		self.assertEqual(len({r.provider_id for r in self.rows()}), 25)

	def test_an_account_wide_429_stops_the_run_and_reschedules_the_rest(self):
		self.many_due(5)
		self.twilio_run_settings()
		with responses.RequestsMock() as rsps:
			rsps.add(
				responses.POST,
				MESSAGES_URL,
				json={"code": 20429, "message": "Too Many Requests", "status": 429},
				status=429,
			)
			totals = dispatch()
			self.assertEqual(len(rsps.calls), 1, "one refusal stops the run")
		self.assertEqual(totals["stopped"], "The provider is rate-limiting the account")
		self.assertEqual((totals["claimed"], totals["Returned"]), (5, 5))
		rows = self.rows()
		self.assertEqual({r.status for r in rows}, {"Scheduled"})
		self.assertTrue(all(r.tries == 0 and r.claim_token is None for r in rows), "no try spent")
		self.assertTrue(all(r.due_at > now_datetime() + timedelta(minutes=4) for r in rows))
		self.assertEqual(dispatch()["claimed"], 0, "nobody takes them before the pause is over")

	def test_provider_errors_in_a_row_stop_the_run(self):
		self.many_due(6)
		self.twilio_run_settings()
		with responses.RequestsMock() as rsps:
			rsps.add(responses.POST, MESSAGES_URL, body="<html>502 Bad Gateway</html>", status=502)
			totals = dispatch()
			self.assertEqual(len(rsps.calls), 3)
		self.assertEqual(totals["stopped"], "3 provider errors in a row")
		self.assertEqual(self.statuses(), {"Unknown": 3, "Scheduled": 3})
		self.assertTrue(all(r.due_at > now_datetime() for r in self.rows() if r.status == "Scheduled"))

	def test_the_job_timeout_is_never_taken_for_a_provider_error(self):
		"""rq's own death penalty fires while a provider call is in flight: that attempt stays Sending (it may
		have gone), the ones before it are recorded, the ones after it go back unsent, and rq gets its exception."""
		from rq.timeouts import JobTimeoutException, UnixSignalDeathPenalty

		self.many_due(5)
		self.twilio_run_settings()
		errors_before = frappe.db.count("Error Log", {"method": ("like", "Win-back: channel raised%")})
		calls = []

		def second_call_hangs(request):
			calls.append(request)
			if len(calls) == 2:
				time_module.sleep(10)  # the job's time runs out in here
			return self.created(request)

		with responses.RequestsMock() as rsps:
			rsps.add_callback(responses.POST, MESSAGES_URL, callback=second_call_hangs)
			with self.assertRaises(JobTimeoutException):
				with UnixSignalDeathPenalty(2, JobTimeoutException, job_id="winback-test"):
					dispatch()
		self.assertEqual(len(calls), 2, "no provider call after the timeout")
		self.assertEqual(self.statuses(), {"Sent": 1, "Sending": 1, "Scheduled": 3})
		self.assertEqual(
			frappe.db.count("Error Log", {"method": ("like", "Win-back: channel raised%")}), errors_before
		)


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


def _forget_history(patients: list[str]) -> None:
	"""The bulk patients are shared, committed test records: anything another test committed for them (a demo
	seed's detection puts patients with no visits in its never-booked campaign and sends to them) would spend
	their frequency caps. Their lapses, attempts and Communications go before each use."""
	Lapse = frappe.qb.DocType("Patient Lapse")
	Attempt = frappe.qb.DocType("Win-Back Contact Attempt")
	Comm = frappe.qb.DocType("Communication")
	Link = frappe.qb.DocType("Communication Link")
	lapses = frappe.qb.from_(Lapse).select(Lapse.name).where(Lapse.patient.isin(patients)).run(pluck=True)
	if lapses:
		comms = (
			frappe.qb.from_(Comm)
			.select(Comm.name)
			.where(Comm.reference_doctype == "Patient Lapse")
			.where(Comm.reference_name.isin(lapses))
			.run(pluck=True)
		)
		if comms:
			frappe.qb.from_(Link).delete().where(Link.parent.isin(comms)).run()
			frappe.qb.from_(Comm).delete().where(Comm.name.isin(comms)).run()
		frappe.qb.from_(Attempt).delete().where(Attempt.lapse.isin(lapses)).run()
		frappe.qb.from_(Lapse).delete().where(Lapse.name.isin(lapses)).run()
	frappe.qb.from_(Attempt).delete().where(Attempt.patient.isin(patients)).run()
	Conversation = frappe.qb.DocType("Win-Back Conversation")
	Offered = frappe.qb.DocType("Win-Back Offered Time")
	conversations = (
		frappe.qb.from_(Conversation).select(Conversation.name).where(Conversation.patient.isin(patients))
	).run(pluck=True)
	if conversations:
		frappe.qb.from_(Offered).delete().where(Offered.parent.isin(conversations)).run()
		frappe.qb.from_(Conversation).delete().where(Conversation.name.isin(conversations)).run()


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
	from winback_app.contacts.phones import sync_stale

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


class TestPreferredChannel(DispatchCase):
	def test_a_patient_who_prefers_email_gets_the_text_step_by_email(self):
		f.outgoing_email_account()
		p, _lapse, name = self.lapse_due(winback_preferred_channel="Email")
		_result, counts = self.run_once()
		a = self.attempt(name)
		self.assertEqual((counts, a.status), ({"Sent": 1}, "Sent"))
		comm = frappe.get_doc("Communication", a.communication)
		self.assertEqual(comm.communication_medium, "Email", "the same words, by email")
		self.assertEqual(comm.recipients, frappe.db.get_value("Patient", p, "email"))

	def test_a_patient_with_no_preference_gets_the_text(self):
		_p, _lapse, name = self.lapse_due()
		self.run_once()
		comm = frappe.get_doc("Communication", self.attempt(name).communication)
		self.assertEqual(comm.communication_medium, "SMS")


class TestTextsInFlightTogether(CommittedCase):
	"""Several texts at Twilio at once (Win-Back Settings > Texts in flight at once): each attempt still leaves
	exactly once, a number never has two texts in flight, and a provider in trouble still stops the run."""

	def test_many_texts_leave_together_each_exactly_once(self):
		self.many_due(40)
		self.twilio_run_settings(texts_in_flight=4, messages_per_second=0)
		lock = threading.Lock()
		at_once, most = [0], [0]

		def slow_created(request):
			with lock:
				at_once[0] += 1
				most[0] = max(most[0], at_once[0])
			time_module.sleep(0.05)  # Twilio's own time, which the sender threads overlap
			with lock:
				at_once[0] -= 1
			return self.created(request)

		with responses.RequestsMock() as rsps:
			rsps.add_callback(responses.POST, MESSAGES_URL, callback=slow_created)
			totals = dispatch()
			bodies = [parse_qs(call.request.body) for call in rsps.calls]
		self.assertEqual(totals["Sent"], 40)
		self.assertEqual(self.statuses(), {"Sent": 40})
		self.assertEqual(len(bodies), 40, "one POST per attempt")
		attempts = [parse_qs(b["StatusCallback"][0].split("?", 1)[1])["attempt"][0] for b in bodies]
		self.assertEqual(len(set(attempts)), 40, "no attempt twice")
		self.assertTrue(2 <= most[0] <= 4, f"texts overlapped, at most 4 at once (saw {most[0]})")
		rows = self.rows()
		self.assertEqual(len({r.provider_id for r in rows}), 40)
		self.assertTrue(all(r.communication for r in rows), "each on the timeline")

	def test_a_number_never_has_two_texts_in_flight(self):
		self.many_due(6)
		# Three pairs of patients share a number (families): the second text to a number waits for the first.
		Phone = frappe.qb.DocType("Win-Back Patient Phone")
		patients = frappe.get_all(
			"Win-Back Contact Attempt",
			filters={"lapse": ("in", self.lapses)},
			pluck="patient",
			order_by="name",
		)
		self.addCleanup(restore_phones, patients)
		for first, second in zip(patients[0::2], patients[1::2], strict=True):
			number = frappe.db.get_value(
				"Win-Back Patient Phone", {"patient": first, "source": "Mobile"}, "phone"
			)
			frappe.qb.update(Phone).set(Phone.phone, number).where(Phone.patient == second).where(
				Phone.source == "Mobile"
			).run()
		frappe.db.commit()
		self.twilio_run_settings(
			texts_in_flight=4, messages_per_second=0, max_messages_per_day=5, max_messages_per_week=5
		)
		lock = threading.Lock()
		flying: dict = {}
		overlaps = []

		def created(request):
			to = parse_qs(request.body)["To"][0]
			with lock:
				if flying.get(to):
					overlaps.append(to)
				flying[to] = flying.get(to, 0) + 1
			time_module.sleep(0.05)
			with lock:
				flying[to] -= 1
			return self.created(request)

		with responses.RequestsMock() as rsps:
			rsps.add_callback(responses.POST, MESSAGES_URL, callback=created)
			dispatch()
			bodies = [parse_qs(call.request.body) for call in rsps.calls]
		self.assertEqual(overlaps, [])
		self.assertEqual(len(bodies), 6)
		by_number: dict = {}
		for b in bodies:
			by_number.setdefault(b["To"][0], []).append(b["Body"][0])
		self.assertEqual(len(by_number), 3)
		for first, second in by_number.values():
			self.assertIn("STOP", first, "the first text to the number says how to opt out")
			self.assertNotIn("STOP", second, "the second knows the first went")
		self.assertEqual(self.statuses(), {"Sent": 6})

	def test_provider_errors_stop_the_run_with_texts_in_flight(self):
		self.many_due(20)
		self.twilio_run_settings(texts_in_flight=4, messages_per_second=0)
		with responses.RequestsMock() as rsps:
			rsps.add(responses.POST, MESSAGES_URL, body="<html>502 Bad Gateway</html>", status=502)
			totals = dispatch()
			calls = len(rsps.calls)
		self.assertEqual(totals["stopped"], "3 provider errors in a row")
		# The third error stops the run; the texts already in flight come back and are recorded (at most 3 more).
		self.assertTrue(3 <= calls <= 6, calls)
		statuses = self.statuses()
		self.assertEqual(statuses.get("Unknown"), calls, "every call that went out is Unknown, never resent")
		self.assertEqual(statuses.get("Scheduled"), 20 - calls, "the rest go back unsent")
		self.assertNotIn("Sending", statuses)
