"""The request-an-appointment page (/request): a guest form that creates an ERPNext Lead (api/lead_request.py).

It shows the practice's name and phone, asks for a name, a mobile number and/or an email, the days and times
that suit, and an explicit text-consent box in the clinic's words (stored with the lead when ticked). The form
carries a signed "served at" stamp and a field people never see (leads/request_form.py). Opening the page is
rate-limited per visitor. Everything is rendered autoescaped; nothing typed is ever echoed back.
"""

from __future__ import annotations

import frappe
from frappe import _

from winback_app.booking import limits
from winback_app.leads import request_form
from winback_app.settings import get_settings

no_cache = 1
sitemap = 0
TEMPLATE = "winback_app/www/request.html"
PROBLEMS = {
	"missing": "Please give your first name and a mobile number or an email address.",
	"phone": "That mobile number doesn't look right. Please check it.",
	"email": "That email address doesn't look right. Please check it.",
	"stale": "This page was open for a long time. Please send your request again.",
	"clinic": "We couldn't record your request just now. Please call us.",
}


def base_context(context):
	settings = get_settings()
	context.no_cache = 1
	context.practice_name = settings.practice_name or _("Your clinic")
	context.practice_phone = settings.practice_phone or ""
	return context


def get_context(context):
	base_context(context)
	form = frappe.form_dict
	if limits.exceeded(request_form.PAGE_PER_VISITOR, limits.visitor()):
		context.state = "busy"
		context.http_status_code = 429
		return context
	if form.get("sent"):
		context.state = "sent"
		return context
	context.state = "form"
	problem = form.get("problem")
	context.problem = _(PROBLEMS[problem]) if problem in PROBLEMS else ""
	context.started = request_form.stamp()
	context.honeypot = request_form.HONEYPOT
	context.consent_wording = request_form.consent_wording(frappe.local.lang)
	return context


def busy_response():
	"""The page's "too many tries" view, status 429."""
	from werkzeug.wrappers import Response

	context = base_context(frappe._dict())
	context.state = "busy"
	response = Response(frappe.render_template(TEMPLATE, context), status=429, mimetype="text/html")
	response.headers["Retry-After"] = str(limits.WINDOW_SECONDS)
	response.headers["Cache-Control"] = "no-store"
	return response
