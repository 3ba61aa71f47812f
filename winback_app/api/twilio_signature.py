"""Is this request really from Twilio? The X-Twilio-Signature checked with the twilio library.

The URL Twilio signed is the public one (Win-Back Settings > Public site address), not what the app sees
behind a TLS proxy; the parameters are the raw form (frappe's form_dict has `cmd` removed).
"""

from __future__ import annotations

from twilio.request_validator import RequestValidator

import frappe

from winback_app.settings import get_settings


def public_url() -> str:
	settings = get_settings()
	base = (settings.public_base_url or frappe.utils.get_url()).rstrip("/")
	query = frappe.request.query_string.decode() if frappe.request.query_string else ""
	return f"{base}{frappe.request.path}" + (f"?{query}" if query else "")


def is_from_twilio() -> bool:
	settings = get_settings()
	token = (
		settings.get_password("twilio_auth_token", raise_exception=False)
		if settings.twilio_account_sid
		else None
	)
	signature = frappe.get_request_header("X-Twilio-Signature") or ""
	if not token or not signature:
		return False
	return RequestValidator(token).validate(public_url(), frappe.request.form.to_dict(flat=True), signature)
