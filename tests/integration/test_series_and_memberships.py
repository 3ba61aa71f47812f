"""Med spa maintenance catches a series paused mid-way (an unfinished Therapy Plan of the mapped templates), and the
membership campaign drops members who renewed and can be limited to plans, read from a real site."""

import frappe
from frappe.utils import add_days, getdate

from winback_app.detection.run import detect_lapses

from . import factories as f
from .base import WinBackTestCase


def plan_template() -> str:
	"""A Therapy Plan Template of this test's own (rolled back): its row only, the link the filter checks."""
	name = "_T WB Series " + frappe.generate_hash(length=6)
	f._insert(
		"Therapy Plan Template", {**f._row_common("Therapy Plan Template"), "name": name, "plan_name": name}
	)
	return name


def subscription_plan() -> str:
	name = "_T WB Plan " + frappe.generate_hash(length=6)
	f._insert("Subscription Plan", {**f._row_common("Subscription Plan"), "name": name, "plan_name": name})
	return name


def on_plan(subscription: str, plan: str) -> None:
	f._insert(
		"Subscription Plan Detail",
		{
			**f._row_common("Subscription Plan Detail"),
			"parent": subscription,
			"parenttype": "Subscription",
			"parentfield": "plans",
			"plan": plan,
			"qty": 1,
		},
	)


def membership(patient: str, status: str, days_ago: int = 20, plan: str | None = None) -> str:
	"""A subscription for the patient's customer (the factory's cancelled one, its status set)."""
	name = f.cancelled_membership(patient, days_ago)
	frappe.db.set_value("Subscription", name, "status", status)
	if plan:
		on_plan(name, plan)
	return name


class SeriesAndMemberships(WinBackTestCase):
	def setUp(self):
		super().setUp()
		f.reference_records()
		f.only_these_segments_enabled()
		f.reset_settings()


class TestPausedSeries(SeriesAndMemberships):
	def test_med_spa_maintenance_catches_a_series_paused_mid_way_of_its_templates(self):
		series, other = plan_template(), plan_template()
		seg = f.segment(
			"T Spa Series",
			"Med Spa Maintenance",
			min_days=60,
			max_days=200,
			filters=[("Clinical Procedure Template", f.PROCEDURE), ("Therapy Plan Template", series)],
		)

		def plan(days_ago: int, template: str, status: str = "In Progress") -> tuple[str, str]:
			p = f.patient()
			name = f.therapy_plan(p, days_ago, status=status)
			frappe.db.set_value("Therapy Plan", name, "therapy_plan_template", template)
			return p, name

		paused, paused_plan = plan(150, series)
		f.past_appointment(paused, 90)  # the last session of the series: 90 days ago
		not_mapped, _ = plan(150, other)
		finished, _ = plan(150, series, status="Completed")
		came_back, _ = plan(150, series)
		f.past_encounter(came_back, 10)  # seen 10 days ago: not lapsed
		maintenance = f.patient()
		f.past_procedure(maintenance, 80)  # the procedure path still works beside it

		detect_lapses()
		[lapse] = f.lapses_of(paused)
		self.assertEqual(
			(lapse.segment, lapse.evidence_doctype, lapse.evidence_name), (seg, "Therapy Plan", paused_plan)
		)
		self.assertEqual(lapse.last_visit_date, add_days(getdate(), -90))
		self.assertIn("Therapy plan unfinished; last visit", lapse.reason)
		self.assertIn("90 days ago", lapse.reason)
		self.assertEqual(f.lapses_of(not_mapped), [])
		self.assertEqual(f.lapses_of(finished), [])
		self.assertEqual(f.lapses_of(came_back), [])
		self.assertEqual([x.evidence_doctype for x in f.lapses_of(maintenance)], ["Clinical Procedure"])

	def test_a_med_spa_campaign_may_map_only_therapy_plan_templates(self):
		series = plan_template()
		seg = f.segment(
			"T Spa Plans Only",
			"Med Spa Maintenance",
			min_days=60,
			filters=[("Therapy Plan Template", series)],
		)
		paused = f.patient()
		frappe.db.set_value(
			"Therapy Plan", f.therapy_plan(paused, 100, status="Not Started"), "therapy_plan_template", series
		)
		detect_lapses()
		self.assertEqual([x.segment for x in f.lapses_of(paused)], [seg])

	def test_an_unfinished_therapy_plan_campaign_can_be_limited_to_templates(self):
		series, other = plan_template(), plan_template()
		seg = f.segment(
			"T Plans Limited",
			"Unfinished Therapy Plan",
			min_days=21,
			max_days=200,
			filters=[("Therapy Plan Template", series)],
		)
		mine, theirs = f.patient(), f.patient()
		frappe.db.set_value("Therapy Plan", f.therapy_plan(mine, 60), "therapy_plan_template", series)
		frappe.db.set_value("Therapy Plan", f.therapy_plan(theirs, 60), "therapy_plan_template", other)
		detect_lapses()
		self.assertEqual([x.segment for x in f.lapses_of(mine)], [seg])
		self.assertEqual(f.lapses_of(theirs), [])

	def test_plan_filters_are_refused_where_no_rule_reads_them(self):
		with self.assertRaises(frappe.ValidationError):
			f.segment(
				"T Recall Plan",
				"Recall Window",
				min_days=180,
				filters=[("Therapy Plan Template", plan_template())],
			)
		with self.assertRaises(frappe.ValidationError):
			f.segment(
				"T Recall Sub",
				"Recall Window",
				min_days=180,
				filters=[("Subscription Plan", subscription_plan())],
			)


class TestMemberships(SeriesAndMemberships):
	def test_a_member_who_renewed_or_is_trialling_is_not_lapsed(self):
		seg = f.segment("T Members", "Lapsed Membership", min_days=0, max_days=60)
		lapsed, renewed, trialling = f.patient(), f.patient(), f.patient()
		membership(lapsed, "Cancelled")
		membership(renewed, "Cancelled")
		membership(renewed, "Active", days_ago=1)  # a new subscription for the same customer
		membership(trialling, "Past Due Date")
		membership(trialling, "Trialling", days_ago=1)
		result = detect_lapses()
		self.assertEqual([x.segment for x in f.lapses_of(lapsed)], [seg])
		self.assertEqual(f.lapses_of(renewed), [])
		self.assertEqual(f.lapses_of(trialling), [])
		self.assertGreaterEqual(result["created"], 1)

	def test_a_membership_campaign_limited_to_plans(self):
		gold, basic = subscription_plan(), subscription_plan()
		seg = f.segment(
			"T Gold Members",
			"Lapsed Membership",
			min_days=0,
			max_days=60,
			filters=[("Subscription Plan", gold)],
		)
		on_gold, on_basic, on_none = f.patient(), f.patient(), f.patient()
		membership(on_gold, "Cancelled", plan=gold)
		membership(on_basic, "Unpaid", plan=basic)
		membership(on_none, "Cancelled")
		detect_lapses()
		self.assertEqual([x.segment for x in f.lapses_of(on_gold)], [seg])
		self.assertEqual(f.lapses_of(on_basic), [])
		self.assertEqual(f.lapses_of(on_none), [])
