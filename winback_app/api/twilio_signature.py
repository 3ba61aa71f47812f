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


# The decrypted auth token, per site, for the Settings version it was read from: every webhook needs it, and
# reading it means a query and a decryption. It stays in this worker's memory only (never in Redis).
_tokens: dict[str, tuple[str, str | None]] = {}


def auth_token(settings) -> str | None:
	if not settings.twilio_account_sid:
		return None
	version = str(settings.modified)
	cached = _tokens.get(frappe.local.site)
	if cached and cached[0] == version:
		return cached[1]
	token = settings.get_password("twilio_auth_token", raise_exception=False)
	_tokens[frappe.local.site] = (version, token)
	return token


def is_from_twilio() -> bool:
	settings = get_settings()
	token = auth_token(settings)
	signature = frappe.get_request_header("X-Twilio-Signature") or ""
	if not token or not signature:
		return False
	return RequestValidator(token).validate(public_url(), frappe.request.form.to_dict(flat=True), signature)
