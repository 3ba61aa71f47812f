"""Who a minor's parents are, as the host records them: the Father and Mother rows of the Patient Relation table on
the child's Patient (engine.detection.GUARDIAN_RELATIONS). Read by detection (whom to reach) and by the dispatcher
(is that parent still on the record when the message leaves)."""

from __future__ import annotations

import frappe
from frappe.query_builder import DocType

from winback_app.engine.detection import GUARDIAN_RELATIONS

Relation = DocType("Patient Relation")


def parents_of(children: list[str]) -> list[tuple[str, str]]:
	"""(child, parent) for these children, each child's parents in the record's order: one query."""
	if not children:
		return []
	return [
		(child, parent)
		for child, parent in frappe.qb.from_(Relation)
		.select(Relation.parent, Relation.patient)
		.where(Relation.parenttype == "Patient")
		.where(Relation.parentfield == "patient_relation")
		.where(Relation.parent.isin(sorted(set(children))))
		.where(Relation.relation.isin(GUARDIAN_RELATIONS))
		.where(Relation.patient.isnotnull())
		.orderby(Relation.parent)
		.orderby(Relation.idx)
		.run()
	]
