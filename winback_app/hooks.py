app_name = "winback_app"
app_title = "Win-Back"
app_publisher = "winback_app contributors"
app_description = "Finds lapsed patients in Marley Health, runs a warm multi-channel win-back cadence and measures who came back"
app_email = "maintainers@winback.invalid"
app_license = "MIT"

# The app needs healthcare (and so erpnext). It is deliberately NOT declared in required_apps: frappe 15's
# installer resolves every required_apps entry through the GitHub API (installer.find_org), recursively and
# even when the app is already installed, so a bench without GitHub access could never install us.
# pyproject.toml declares the dependency for bench ([tool.bench.frappe-dependencies]) and
# install.before_install refuses, with a clear message, to install on a site without healthcare.
before_install = "winback_app.install.before_install"
after_install = "winback_app.install.after_install"
after_migrate = "winback_app.install.after_migrate"
before_uninstall = "winback_app.install.before_uninstall"

export_python_type_annotations = True
require_type_annotated_api_methods = True

# The guest surface (what a stranger can reach), each rate-limited or signature-checked; README "Security".
# Each line: the endpoint, its module, and the module that does the work.
#   GET  /book/<token>                               www/book.py -> booking/service.py (the page; routed below)
#   POST /api/method/winback_app.api.booking.book    api/booking.py -> booking/service.py (books a slot there)
#   POST /api/method/winback_app.api.sms.inbound     api/sms.py -> replies/handler.py (Twilio: texts in, signed)
#   POST /api/method/winback_app.api.sms.status      api/sms.py -> sending/delivery.py (Twilio: reports, signed)
#   frappe's signed email-unsubscribe link           integrations/frappe/email_unsubscribe.py (doc event below)
#   GET  /request                                    www/request.py (the request-an-appointment form)
#   POST /api/method/winback_app.api.lead_request.submit  api/lead_request.py -> leads/request_form.py (a Lead)
# Every other whitelisted method needs a signed-in user with a Win-Back role (winback_app/infra/access.py).

# One-tap booking links: /book/<token> renders www/book.html.
website_route_rules = [{"from_route": "/book/<token>", "to_route": "book"}]

app_include_js = "/assets/winback_app/js/winback_desk.js"
doctype_js = {"Patient": "public/js/patient.js"}

# Handlers for host doctypes live in integrations/<app>/<doctype>.py and call into the packages: the phone lookup
# (contacts/phones.py), merges and deletes (contacts/patient_records.py), bookings (lapses/outcomes.py) and
# unsubscribes (lapses/lifecycle.py).
doc_events = {
	"Patient": {
		"validate": "winback_app.integrations.healthcare.patient.validate",
		"on_update": "winback_app.integrations.healthcare.patient.on_update",
		# Merge and delete keep working with win-back history (winback_app/contacts/patient_records.py).
		"before_rename": "winback_app.integrations.healthcare.patient.before_rename",
		"after_rename": "winback_app.integrations.healthcare.patient.after_rename",
		"on_trash": "winback_app.integrations.healthcare.patient.on_trash",
	},
	"Patient Appointment": {
		"after_insert": "winback_app.integrations.healthcare.patient_appointment.after_insert",
	},
	"Email Unsubscribe": {
		"after_insert": "winback_app.integrations.frappe.email_unsubscribe.after_insert",
	},
	# New-patient leads (winback_app/leads): a Lead or a missed call is taken at once, its first text sent
	# right after the commit.
	"Lead": {"after_insert": "winback_app.integrations.erpnext.lead.after_insert"},
	"Call Log": {"on_change": "winback_app.integrations.erpnext.call_log.on_change"},
}

# Scheduler entry points are tiny wrappers in tasks.py, each calling the function of the same name in its package
# (tasks.py lists where). Times are in the system time zone; detection runs well after the host's own midnight
# job (update_appointment_status) has rewritten past appointment statuses.
scheduler_events = {
	"cron": {
		"30 4 * * *": ["winback_app.tasks.enqueue_detection"],
		"*/5 * * * *": [
			"winback_app.tasks.rescue_missed_appointments",
			"winback_app.tasks.dispatch_due",
			"winback_app.tasks.assign_waiting_replies",
		],
		"*/15 * * * *": ["winback_app.tasks.remind_unanswered_replies"],
		# New-patient leads within a minute: the safety net of the document events, and the rest of their life.
		"* * * * *": ["winback_app.tasks.handle_leads"],
	},
	"hourly_long": ["winback_app.tasks.poll_outcomes", "winback_app.tasks.release_waiting_lapses"],
}
