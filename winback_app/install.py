"""Install, migrate and uninstall: seed roles, Patient custom fields, settings defaults and default campaigns.

Everything here is idempotent: it runs after install, after every migrate and from a patch, and a second run
changes nothing (no new rows, no re-saved documents). It never edits a campaign a manager has touched.
"""

import frappe
from frappe import _
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields
from frappe.utils import get_system_timezone

from winback_app.engine.window import validate_window
from winback_app.sending.states import seed_state_windows

ROLES = ("Win-Back Manager", "Win-Back Agent")
MODULE = "Win Back"


class HealthcareNotInstalledError(frappe.ValidationError):
	pass


def before_install():
	if "healthcare" not in frappe.get_installed_apps():
		frappe.throw(
			_(
				"Win-Back works on Marley Health patients and appointments. Install the healthcare app on this "
				"site first: bench --site {0} install-app healthcare"
			).format(frappe.local.site),
			HealthcareNotInstalledError,
			title=_("Marley Health is required"),
		)


def after_install():
	from winback_app.contacts import optouts_archive

	# Before anything else: numbers that said STOP while Win-Back was installed before are blocked again.
	restored = optouts_archive.restore()
	if restored:
		print(f"Win-Back: {restored} opted-out numbers kept from the earlier installation are blocked again.")
	seed()
	seed_once()


def seed_once():
	"""Defaults a manager may delete for good: seeded at install and by one patch, never after migrate."""
	from winback_app.replies.faq_answers import seed_example_answers
	from winback_app.setup.reply_routes import seed_reply_routes

	seed_reply_routes()
	seed_example_answers()


def after_migrate():
	seed()


def before_uninstall():
	# Custom fields carry module "Win Back", so frappe's remove_app deletes them with the module (their columns,
	# and so do-not-contact and text consent, stay in tabPatient). Patients, appointments, Communications and
	# ToDos the app created belong to the clinic and stay. The indexes we added to the host's tables go. The
	# opt-out list is kept in a host table and comes back with a reinstall (winback_app/contacts/optouts_archive.py).
	from winback_app.contacts import optouts_archive

	kept = optouts_archive.keep()
	print(
		f"Win-Back: {kept} opt-out rows kept outside the app (tabDefaultValue, parent "
		f"{optouts_archive.PARENT}); installing Win-Back again blocks those numbers again."
	)
	drop_host_indexes()


def host_indexes() -> list[tuple[str, str]]:
	"""(doctype, index name) of every index this app adds to a host table."""
	return [("Patient Appointment", "appointment_date_status_patient_index")] + [
		(doctype, "winback_visit") for doctype in VISIT_INDEXES
	]


def drop_host_indexes() -> None:
	for doctype, index in host_indexes():
		if frappe.db.has_index(f"tab{doctype}", index):
			# DDL on our own constant identifiers (frappe.qb has no DROP INDEX)
			frappe.db.sql_ddl(f"ALTER TABLE `tab{doctype}` DROP INDEX `{index}`")


def seed():
	ensure_indexes()
	ensure_roles()
	create_custom_fields(patient_custom_fields(), update=True)
	ensure_settings_defaults()
	seed_state_windows()
	seed_default_segments()


VISIT_INDEXES = {
	"Patient Encounter": [
		"patient",
		"docstatus",
		"encounter_date",
		"practitioner",
		"medical_department",
		"company",
	],
	"Clinical Procedure": [
		"patient",
		"docstatus",
		"status",
		"start_date",
		"practitioner",
		"medical_department",
		"company",
	],
	"Therapy Session": ["patient", "docstatus", "start_date", "practitioner", "department", "company"],
}


def ensure_indexes():
	"""The indexes our doctypes declare in on_doctype_update. frappe runs those only when a doctype's JSON is
	synced, so a site that already has the doctypes would never get an index added later; add_index is a no-op
	when the index exists."""
	from winback_app.win_back.doctype.patient_lapse import patient_lapse
	from winback_app.win_back.doctype.win_back_contact_attempt import win_back_contact_attempt
	from winback_app.win_back.doctype.win_back_patient_phone import win_back_patient_phone

	for module in (patient_lapse, win_back_contact_attempt, win_back_patient_phone):
		module.on_doctype_update()
	# On the host's table, through install (never its JSON): detection asks "who has an appointment from today
	# on" every night; with this covering index MariaDB answers from the index alone.
	frappe.db.add_index("Patient Appointment", ["appointment_date", "status", "patient"])
	# "Latest visit per patient" reads every encounter, procedure and therapy session, grouped by patient, with
	# the latest row's practitioner, department and company. With these covering indexes MariaDB streams the
	# GROUP BY in patient order from the index alone, instead of a row lookup per visit (encounters) or an
	# on-disk temporary table (procedures have no patient index at all): 3.4x and 6.5x faster at 100k patients.
	for doctype, columns in VISIT_INDEXES.items():
		frappe.db.add_index(doctype, columns, index_name="winback_visit")


def ensure_roles():
	for role in ROLES:
		if not frappe.db.exists("Role", role):
			frappe.get_doc({"doctype": "Role", "role_name": role, "desk_access": 1}).insert(
				ignore_permissions=True
			)


def patient_custom_fields() -> dict:
	common = {"module": MODULE}
	return {
		"Patient": [
			{
				"fieldname": "winback_section",
				"fieldtype": "Section Break",
				"label": "Messaging preferences",
				"insert_after": "user_id",
				"collapsible": 1,
				**common,
			},
			{
				"fieldname": "winback_sms_consent",
				"fieldtype": "Select",
				"label": "Text message consent",
				"options": "Unknown\nGranted\nRevoked",
				"default": "Unknown",
				"insert_after": "winback_section",
				**common,
			},
			{
				"fieldname": "winback_sms_consent_date",
				"fieldtype": "Datetime",
				"label": "Consent recorded on",
				"insert_after": "winback_sms_consent",
				**common,
			},
			{
				"fieldname": "winback_sms_consent_source",
				"fieldtype": "Data",
				"label": "Consent recorded from",
				"description": "For example: intake form, phone call, reply START.",
				"insert_after": "winback_sms_consent_date",
				**common,
			},
			{
				"fieldname": "winback_column_break",
				"fieldtype": "Column Break",
				"insert_after": "winback_sms_consent_source",
				**common,
			},
			{
				"fieldname": "winback_do_not_contact",
				"fieldtype": "Check",
				"label": "Do not contact for win-back",
				"description": "No win-back texts, emails or calls, whatever the campaign.",
				"insert_after": "winback_column_break",
				**common,
			},
			{
				"fieldname": "winback_preferred_channel",
				"fieldtype": "Select",
				"label": "Preferred channel",
				"options": "\nSMS\nEmail\nPhone",
				"insert_after": "winback_do_not_contact",
				**common,
			},
			{
				"fieldname": "winback_time_zone",
				"fieldtype": "Autocomplete",
				"label": "Time zone",
				"description": "Empty: the clinic's time zone. Messages only go out in the patient's daytime.",
				"insert_after": "winback_preferred_channel",
				**common,
			},
		]
	}


def ensure_settings_defaults():
	"""Fill the settings a fresh install needs; never overwrite a value the clinic set."""
	settings = frappe.get_single("Win-Back Settings")
	changes = {}
	# frappe fills every Time field of a new document with the current time, ignoring the declared default, and
	# install-app saves every Single once (init_singles) before after_install runs: the stored window can be a
	# zero-length "now to now". A window that would not pass validation is replaced by the documented default.
	if validate_window(settings.window_start or "00:00", settings.window_end or "00:00", [0]):
		changes["window_start"] = "09:00:00"
		changes["window_end"] = "19:00:00"
	if not settings.default_time_zone:
		changes["default_time_zone"] = get_system_timezone()
	if not settings.get("unknown_age_policy"):
		# The field came after the site was set up. Written directly: a site's older settings (an http public
		# address, say) must not make migrate fail on a save it did not ask for.
		settings.unknown_age_policy = "Email only"
		frappe.db.set_single_value("Win-Back Settings", "unknown_age_policy", "Email only")
	if not settings.practice_name:
		company = frappe.defaults.get_global_default("company") or frappe.db.get_value("Company", {}, "name")
		if company:
			changes["practice_name"] = company
	if changes:
		settings.update(changes)
		settings.flags.ignore_mandatory = True
		settings.save(ignore_permissions=True)


def seed_default_segments():
	"""Insert each default campaign that does not exist yet, disabled. Existing ones are the clinic's."""
	from winback_app.setup.default_segments import DEFAULT_SEGMENTS

	existing = set(frappe.get_all("Campaign Segment", pluck="name"))
	for spec in DEFAULT_SEGMENTS:
		if spec["segment_name"] in existing:
			continue
		doc = frappe.get_doc({"doctype": "Campaign Segment", "enabled": 0, **spec})
		doc.insert(ignore_permissions=True)
