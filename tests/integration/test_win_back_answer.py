"""Win-Back Answer on a real site: checks on save, who may edit, the shipped examples, the inbox's index."""

import frappe
from frappe.tests.utils import change_settings

from tests.integration.base import WinBackTestCase
from tests.integration.factories import desk_user
from winback_app.engine.replies import understand
from winback_app.replies import faq_answers


def answer(
	question="What are your hours?\nWhen are you open?", text="We're open Mon-Fri 8-5.", enabled=1, **extra
):
	return frappe.get_doc(
		{"doctype": "Win-Back Answer", "question": question, "answer": text, "enabled": enabled, **extra}
	).insert()


class TestWinBackAnswer(WinBackTestCase):
	def setUp(self):
		super().setUp()
		frappe.db.delete("Win-Back Answer")
		faq_answers.clear_cache()

	def tearDown(self):
		super().tearDown()
		faq_answers.clear_cache()

	def test_title_defaults_to_the_first_question(self):
		self.assertEqual(answer().title, "What are your hours?")
		self.assertEqual(answer(title="Hours").title, "Hours")

	def test_clinical_words_and_leftover_placeholders_are_refused(self):
		with self.assertRaises(frappe.ValidationError):
			answer(question="Do you do implants?", text="Yes, we place implants.")
		with self.assertRaises(frappe.ValidationError):
			answer(text="We're open [your hours].")
		self.assertFalse(answer(text="We're open [your hours].", enabled=0).enabled)
		with self.assertRaises(frappe.ValidationError):
			answer(text="Open {{ hours }}")

	def test_messages_quote_the_manager_s_words_escaped(self):
		frappe.local.message_log = []
		answer(question="<img src=x onerror=alert(1)> my tooth hurts", text="Call us.")
		shown = " ".join(str(m) for m in frappe.local.message_log)
		self.assertIn("never answered automatically", shown)
		self.assertNotIn("<img", shown)
		self.assertIn("&lt;img", shown)

	def test_managers_edit_and_agents_only_read(self):
		agent = desk_user("answers.agent@example.com", "Win-Back Agent")
		manager = desk_user("answers.manager@example.com", "Win-Back Manager")
		existing = answer()
		frappe.set_user(agent)
		self.assertTrue(frappe.has_permission("Win-Back Answer", "read"))
		self.assertFalse(frappe.has_permission("Win-Back Answer", "create"))
		self.assertFalse(frappe.has_permission("Win-Back Answer", "write", doc=existing.name))
		with self.assertRaises(frappe.PermissionError):
			answer(question="Is there parking?", text="Yes, behind the building.")
		frappe.set_user(manager)
		for ptype in ("read", "create", "write", "delete"):
			self.assertTrue(frappe.has_permission("Win-Back Answer", ptype), ptype)
		answer(question="Is there parking?", text="Yes, behind the building.")

	@change_settings(
		"Win-Back Settings",
		{
			"practice_name": "Bright Smile Dental",
			"practice_phone": "(555) 010-0100",
			"practice_address": "12 Example Street\nSpringfield",
		},
	)
	def test_seeding_inserts_the_examples_disabled_once(self):
		self.assertEqual(faq_answers.seed_example_answers(), 4)
		rows = frappe.get_all("Win-Back Answer", fields=["title", "enabled", "answer"], order_by="title")
		self.assertEqual([r.title for r in rows], ["Address", "Opening hours", "Parking", "Phone number"])
		self.assertFalse(any(r.enabled for r in rows))
		by_title = {r.title: r.answer for r in rows}
		self.assertEqual(
			by_title["Address"],
			"Bright Smile Dental is at 12 Example Street Springfield. Questions? Call (555) 010-0100.",
		)
		self.assertIsNone(faq_answers.enabled_index())  # nothing enabled: no automatic answers
		frappe.delete_doc("Win-Back Answer", frappe.db.get_value("Win-Back Answer", {"title": "Parking"}))
		self.assertEqual(faq_answers.seed_example_answers(), 1)  # only what is missing
		self.assertEqual(faq_answers.seed_example_answers(), 0)
		# The phone example has no placeholder left: a manager can enable it as it is.
		phone = frappe.get_doc("Win-Back Answer", {"title": "Phone number"})
		phone.enabled = 1
		phone.save()
		# The hours example still holds a placeholder (the settings have no opening hours): refused.
		hours = frappe.get_doc("Win-Back Answer", {"title": "Opening hours"})
		hours.enabled = 1
		with self.assertRaises(frappe.ValidationError):
			hours.save()

	def test_the_inbox_index_holds_only_enabled_answers_and_follows_edits(self):
		hours = answer(title="Hours")
		answer(question="Is there parking?", text="Yes, behind the building.", enabled=0)
		index = faq_answers.enabled_index()
		self.assertEqual([entry.id for entry in index.entries], [hours.name])
		got = understand("what r ur hours", faq=index)
		self.assertEqual(
			(got.category, got.faq_id, got.faq_answer), ("FAQ", hours.name, "We're open Mon-Fri 8-5.")
		)
		self.assertEqual(understand("my tooth hurts, what are your hours?", faq=index).category, "Clinical")
		hours.enabled = 0
		hours.save()
		self.assertIsNone(faq_answers.enabled_index())
