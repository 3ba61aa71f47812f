"""Many rows in one statement, cheaply: the hot paths' writes (dispatcher chunks, inbound texts).

frappe.db.bulk_insert and bulk_update build their statements with frappe.qb, wrapping every value in its own
query term; for a chunk of 200 attempts that costs more Python time than the database spends on the
statement. Here frappe.qb still builds the statement, but with one placeholder per value, and the values go
to frappe.db.sql as parameters (escaped by the driver, never formatted into the SQL by us). Statement shapes
repeat from chunk to chunk, so they are built once per shape and kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from pypika.terms import Parameter, Values

import frappe
from frappe.query_builder import DocType
from frappe.utils import now_datetime

PLACEHOLDER = Parameter("%s")


@lru_cache(maxsize=256)
def _insert_sql(doctype: str, columns: tuple[str, ...], count: int, ignore: bool, upsert: bool) -> str:
	table = DocType(doctype)
	query = frappe.qb.into(table).columns(*columns).insert(*([PLACEHOLDER] * len(columns),) * count)
	if ignore:
		query = query.ignore()
	if upsert:
		for column in columns[1:]:
			query = query.on_duplicate_key_update(table[column], Values(table[column]))
	return query.get_sql()


@lru_cache(maxsize=256)
def _lock_sql(doctype: str, count: int) -> str:
	table = DocType(doctype)
	return (
		frappe.qb.from_(table)
		.select(table.name)
		.where(table.name.isin([PLACEHOLDER] * count))
		.for_update()
		.get_sql()
	)


def insert(
	doctype: str, columns: Sequence[str], rows: Sequence[Sequence], *, ignore_duplicates: bool = False
) -> None:
	"""INSERT the rows (each a tuple in the order of columns) in statements of up to 500 rows."""
	columns = tuple(columns)
	for start in range(0, len(rows), 500):
		chunk = rows[start : start + 500]
		frappe.db.sql(
			_insert_sql(doctype, columns, len(chunk), ignore_duplicates, False),
			[value for row in chunk for value in row],
		)


def update(doctype: str, columns: Sequence[str], rows: Sequence[Sequence], *, locked: bool = False) -> int:
	"""Set each row's own values: rows are (name, value, ...) in the order of columns. Returns rows written.

	One statement per 500 rows (INSERT ... ON DUPLICATE KEY UPDATE on the primary key). Only rows that exist
	are written: they are locked first (FOR UPDATE, held until the caller commits), so a row deleted in the
	meantime is skipped, never re-created. locked: the caller already holds every one of these rows' locks in
	this transaction (it read them FOR UPDATE), so they exist and the lock is not taken again.
	"""
	if not rows:
		return 0
	if not locked:
		names = [row[0] for row in rows]
		existing = set()
		for start in range(0, len(names), 500):
			chunk = names[start : start + 500]
			existing.update(name for (name,) in frappe.db.sql(_lock_sql(doctype, len(chunk)), chunk))
		rows = [row for row in rows if row[0] in existing]
	columns = ("name", *columns)
	for start in range(0, len(rows), 500):
		chunk = rows[start : start + 500]
		frappe.db.sql(
			_insert_sql(doctype, columns, len(chunk), False, True),
			[value for row in chunk for value in row],
		)
	return len(rows)


def update_dicts(
	doctype: str, updates: dict[str, dict], *, update_modified: bool = True, locked: bool = False
) -> int:
	"""update() for {name: {field: value}}: rows that change the same fields share a statement.

	Like frappe.db.bulk_update, it sets modified / modified_by unless update_modified is False. locked: as in
	update().
	"""
	stamp = {"modified": now_datetime(), "modified_by": frappe.session.user} if update_modified else {}
	shapes: dict[tuple[str, ...], list[tuple]] = {}
	for name, values in updates.items():
		values = {**values, **stamp}
		fields = tuple(sorted(values))
		shapes.setdefault(fields, []).append((name, *(values[f] for f in fields)))
	return sum(update(doctype, fields, rows, locked=locked) for fields, rows in shapes.items())
