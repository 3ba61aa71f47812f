"""Names for rows written in bulk: reserve a block of a naming series in one UPDATE, as make_autoname would."""

from __future__ import annotations

import frappe
from frappe.query_builder import DocType

Series = DocType("Series")
# The columns every row written with frappe.db.bulk_insert must carry, before its own fields.
STANDARD_COLUMNS = ("name", "creation", "modified", "owner", "modified_by", "docstatus")


def reserve(prefix: str, digits: int, count: int) -> list[str]:
	"""count consecutive names "PREFIX00001"... from the same counter the desk uses for this prefix."""
	if count <= 0:
		return []
	if not frappe.qb.from_(Series).select(Series.name).where(Series.name == prefix).run():
		frappe.qb.into(Series).columns(Series.name, Series.current).insert(prefix, 0).ignore().run()
	# The UPDATE takes the row lock until commit, so concurrent reservations get disjoint blocks.
	frappe.qb.update(Series).set(Series.current, Series.current + count).where(Series.name == prefix).run()
	end = frappe.qb.from_(Series).select(Series.current).where(Series.name == prefix).run()[0][0]
	return [f"{prefix}{n:0{digits}d}" for n in range(end - count + 1, end + 1)]
