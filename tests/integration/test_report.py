"""Reactivation by Segment on a seeded scenario, against figures worked out by hand."""

from datetime import timedelta

import frappe
from frappe.utils import add_days, getdate, now_datetime

from winback_app.detection.run import detect_lapses
from winback_app.lapses.outcomes import poll_outcomes
from winback_app.win_back.report.reactivation_by_segment.reactivation_by_segment import execute

from . import factories as f
from .base import WinBackTestCase

ITEM = "_Test WB Visit"


def paid_invoice(patient: str, day, amount: float) -> str:
	"""A submitted point-of-sale invoice, paid in cash (so its paid amount is its total)."""
	if not frappe.db.exists("Item", ITEM):
		group = frappe.db.get_value("Item Group", {"is_group": 0}, "name")
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": ITEM,
				"item_group": group,
				"is_stock_item": 0,
				"stock_uom": "Nos",
			}
		).insert(ignore_permissions=True)
	customer = frappe.db.get_value("Patient", patient, "customer") or frappe.db.get_value(
		"Customer", {}, "name"
	)
	invoice = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"customer": customer,
			"patient": patient,
			"company": f.company(),
			"posting_date": day,
			"set_posting_time": 1,
			"due_date": day,
			"is_pos": 1,
			"items": [{"item_code": ITEM, "qty": 1, "rate": amount}],
			"payments": [{"mode_of_payment": "Cash", "amount": amount}],
		}
	).insert(ignore_permissions=True)
	invoice.submit()
	return invoice.name


def fiscal_years_cover(*days) -> None:
	"""Invoices need an open fiscal year; the scenario reaches back some 200 days."""
	for day in days:
		year = getdate(day).year
		if not frappe.db.exists(
			"Fiscal Year", {"year_start_date": ("<=", day), "year_end_date": (">=", day)}
		):
			frappe.get_doc(
				{
					"doctype": "Fiscal Year",
					"year": f"_T WB {year}",
					"year_start_date": f"{year}-01-01",
					"year_end_date": f"{year}-12-31",
					"companies": [{"company": f.company()}],
				}
			).insert(ignore_permissions=True)


class TestReactivationReport(WinBackTestCase):
	"""Everything happens in the past (lapses opened 200 days ago) so every invoice date has a fiscal year."""

	def setUp(self):
		super().setUp()
		f.reference_records()
		f.only_these_segments_enabled()
		f.reset_settings(attribution_days=90)
		fiscal_years_cover(add_days(getdate(), -200), getdate())

	def test_figures_equal_the_hand_computed_scenario(self):
		seg = f.segment("T Report", "Recall Window", min_days=180, max_days=270, holdout_percent=0)
		patients = [f.patient() for _ in range(9)]
		for p in patients:
			f.past_appointment(p, 200)
		detect_lapses()
		lapses = {p: f.lapses_of(p)[0].name for p in patients}
		treated, held = patients[:6], patients[6:]
		Lapse = frappe.qb.DocType("Patient Lapse")
		opened = now_datetime() - timedelta(days=195)
		frappe.qb.update(Lapse).set(Lapse.detected_on, opened).where(
			Lapse.name.isin(list(lapses.values()))
		).run()
		frappe.qb.update(Lapse).set(Lapse.holdout, 1).set(Lapse.status, "Holdout").where(
			Lapse.name.isin([lapses[p] for p in held])
		).run()

		# Contacted: three treated patients got a message; Twilio confirmed delivery of one.
		for p, status in zip(treated[:3], ("Sent", "Sent", "Delivered"), strict=True):
			attempt = frappe.db.get_value("Win-Back Contact Attempt", {"lapse": lapses[p], "day_offset": 1})
			frappe.db.set_value(
				"Win-Back Contact Attempt",
				attempt,
				{"status": status, "provider": "Twilio", "sent_at": opened},
			)
		# One replied, one opted out with a reason, one booked but has not come yet.
		frappe.get_doc(
			{
				"doctype": "Win-Back SMS Reply",
				"message_sid": f"SM{frappe.generate_hash(length=32)}",
				"from_number": "+12015550101",
				"patient": treated[0],
				"lapse": lapses[treated[0]],
				"received_on": now_datetime(),
				"body": "Do you take Delta?",
			}
		).insert(ignore_permissions=True)
		frappe.db.set_value(
			"Patient Lapse", lapses[treated[5]], {"status": "Opted Out", "leave_reason": "Cost"}
		)
		booking = f.future_appointment(treated[4], days_ahead=5)
		frappe.db.set_value("Patient Appointment", booking, "creation", opened + timedelta(days=3))
		# Came back 190 days ago: three treated, none of the holdout.
		for p in treated[:3]:
			f.past_encounter(p, 190)
		poll_outcomes()

		# Revenue: 120 paid within 90 days of treated[0]'s visit counts; 80 paid 120 days after does not;
		# a holdout patient's invoice never counts as recovered.
		visit = add_days(getdate(), -190)
		paid_invoice(treated[0], add_days(visit, 10), 120)
		paid_invoice(treated[1], add_days(visit, 1), 35)
		paid_invoice(treated[0], add_days(visit, 120), 80)
		paid_invoice(held[0], visit, 50)

		columns, rows, _msg, chart, summary = execute(
			{"from_date": add_days(getdate(), -230), "to_date": getdate(), "segment": seg}
		)
		[row] = rows
		expected = {
			"segment": seg,
			"lapses": 9,
			"holdout": 3,
			"contacted": 3,
			"delivered": 1,
			"replied": 1,
			"booked": 4,  # the three who came back, plus treated[4]
			"reactivated": 3,
			"opted_out": 1,
			"reasons": "Cost 1",
			"reactivation_rate": 50.0,  # 3 of 6
			"holdout_rate": 0.0,  # 0 of 3
			"lift": 50.0,
			# Newcombe's hybrid score interval for 3/6 - 0/3, worked out by hand from the two Wilson intervals.
			"lift_low": -14.3,
			"lift_high": 81.2,
			"revenue": 155.0,
		}
		self.assertEqual({k: row[k] for k in expected}, expected)
		self.assertEqual([d["values"] for d in chart["data"]["datasets"]], [[50.0], [0.0]])
		self.assertEqual(summary[2]["value"], 155.0)
		self.assertIn("lift_low", [c["fieldname"] for c in columns])

	def test_the_window_moves_with_the_setting(self):
		f.reset_settings(attribution_days=150)
		seg = f.segment("T Report window", "Recall Window", min_days=180, max_days=270, holdout_percent=0)
		p = f.patient()
		f.past_appointment(p, 200)
		detect_lapses()
		frappe.db.set_value(
			"Patient Lapse", f.lapses_of(p)[0].name, "detected_on", now_datetime() - timedelta(days=195)
		)
		f.past_encounter(p, 190)
		poll_outcomes()
		paid_invoice(p, add_days(getdate(), -190 + 118), 80)
		_c, rows, *_ = execute({"from_date": add_days(getdate(), -230), "to_date": getdate(), "segment": seg})
		self.assertEqual(rows[0]["revenue"], 80.0)
