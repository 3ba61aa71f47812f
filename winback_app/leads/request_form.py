"""The request-an-appointment form's rules: its signed start time, the consent wording, the limits, and the Lead
it creates. The page is www/request.py; the guest POST is api/lead_request.py; both call only this.

Spam protection without outside services: a honeypot field people never see, a signed time the page was served
(a form sent back faster than MIN_SECONDS, or with a forged or stale stamp, is a bot's), and counters per visitor
and per number in Redis (booking/limits.py). What a stranger typed is made inert before it is stored: names keep
letters, spaces and - ' . only; the preferred times are stored escaped (engine/untrusted).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

import frappe
from frappe import _
from frappe.utils import now_datetime, validate_email_address

from winback_app.booking import limits
from winback_app.engine import leads as rules
from winback_app.engine.phone import normalize
from winback_app.engine.untrusted import as_text, display_first_name
from winback_app.leads import intake
from winback_app.settings import get_settings, phone_region

HONEYPOT = "nickname"  # the hidden field's name: a person never sees it, a form-filling bot fills it
MIN_SECONDS = 3  # nobody types a name, a number and days in less
MAX_SECONDS = 2 * 60 * 60  # a page left open longer is served again
PAGE_PER_VISITOR = limits.Limit("request-page-ip", 60)
SEND_PER_VISITOR = limits.Limit("request-send-ip", 5)
SEND_PER_NUMBER = limits.Limit("request-send-number", 3, 24 * 60 * 60)
CONSENT_WORDING = (
	"Yes, {practice} may text me at this number about my request and my appointments. Message and data rates "
	"may apply. Reply STOP to opt out."
)
PREFERENCE_LIMIT = 300


class Refused(Exception):
	"""What the visitor reads (kind: bot, busy, missing, phone, email)."""

	def __init__(self, kind: str):
		super().__init__(kind)
		self.kind = kind


def consent_wording(lang: str | None = None) -> str:
	practice = get_settings().practice_name or _("the practice", lang=lang)
	return _(CONSENT_WORDING, lang=lang).format(practice=practice)


def _secret() -> bytes:
	from frappe.utils.password import get_encryption_key

	return f"winback-request-form|{get_encryption_key()}".encode()


def stamp(now: float | None = None) -> str:
	"""The signed moment the form was served, put in the page."""
	moment = str(int(now if now is not None else time.time()))
	return f"{moment}.{hmac.new(_secret(), moment.encode(), hashlib.sha256).hexdigest()[:32]}"


def stamp_age(value: str | None, now: float | None = None) -> float | None:
	"""Seconds since the stamp was made; None when it is missing or forged."""
	moment, _dot, signature = (value or "").partition(".")
	if not moment.isdigit():
		return None
	expected = hmac.new(_secret(), moment.encode(), hashlib.sha256).hexdigest()[:32]
	if not hmac.compare_digest(expected, signature):
		return None
	return (now if now is not None else time.time()) - int(moment)


@dataclass
class Request:
	first_name: str
	last_name: str
	phone: str | None
	email: str | None
	preferred_times: str
	consent: bool


def check(form: dict, now: float | None = None) -> Request:
	"""The request as it may be stored, or Refused. Bots first (nothing is counted for them), then the visitor's
	limit, then the fields, then the number's limit."""
	if (form.get(HONEYPOT) or "").strip():
		raise Refused("bot")
	age = stamp_age(form.get("started"), now)
	if age is None or age < MIN_SECONDS:
		raise Refused("bot")
	if age > MAX_SECONDS:
		raise Refused("stale")
	if limits.exceeded(SEND_PER_VISITOR, limits.visitor()):
		raise Refused("busy")
	first = display_first_name(form.get("first_name"), 60)
	last = display_first_name(form.get("last_name"), 60)
	raw_phone = (form.get("mobile") or "").strip()
	phone = normalize(raw_phone, phone_region()) if raw_phone else None
	email = (form.get("email") or "").strip()[:140] or None
	if not first:
		raise Refused("missing")
	if raw_phone and not phone:
		raise Refused("phone")
	if email and not validate_email_address(email):
		raise Refused("email")
	if not phone and not email:
		raise Refused("missing")
	if phone and limits.exceeded(
		SEND_PER_NUMBER, hashlib.sha256(f"winback-lead|{phone}".encode()).hexdigest()[:32]
	):
		raise Refused("busy")
	return Request(
		first_name=first,
		last_name=last,
		phone=phone,
		email=email,
		preferred_times=as_text(
			(form.get("preferred_times") or "").strip()[:PREFERENCE_LIMIT], PREFERENCE_LIMIT
		),
		consent=bool(form.get("text_consent")) and bool(phone),
	)


def create_lead(req: Request, lang: str | None = None) -> str:
	"""The ERPNext Lead for this request (or the open one this person already has), with the form's facts: a
	Win-Back Lead from the request form that wrote first, its consent and wording. Returns the Lead's name."""
	now = now_datetime()
	arrival = intake.Arrival(
		source=rules.REQUEST_FORM,
		received_on=now,
		first_name=req.first_name,
		full_name=" ".join(x for x in (req.first_name, req.last_name) if x),
		phone=req.phone,
		email=req.email,
		language=lang,
		wrote_first=True,
		sms_consent="Granted" if req.consent else "Unknown",
		consent_on=now if req.consent else None,
		consent_wording=consent_wording(lang) if req.consent else None,
		preferred_times=req.preferred_times or None,
		request_ip=limits.visitor(),
	)
	existing = existing_lead(req.phone, req.email)
	if existing:
		# The same person asked again: the earlier Lead stands; a request it has no Win-Back Lead for is taken.
		wl = frappe.db.get_value("Win-Back Lead", {"lead": existing}, "name")
		if not wl:
			wl = intake.take_lead(existing, arrival)
		elif wl:
			intake.plan_again(wl, arrival)
		if wl:
			from winback_app.leads import run

			run.enqueue_send(wl)
		return existing
	lead = frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": req.first_name,
			"last_name": req.last_name or None,
			"mobile_no": req.phone,
			"email_id": req.email,
			"language": lang if lang and frappe.db.exists("Language", lang) else None,
			"request_type": "Request for Information",
		}
	)
	lead.flags.winback_arrival = arrival
	lead.insert(ignore_permissions=True)
	return lead.name


def existing_lead(phone: str | None, email: str | None) -> str | None:
	Lead = frappe.qb.DocType("Lead")
	conditions = []
	if phone:
		conditions.append(Lead.mobile_no == phone)
	if email:
		conditions.append(Lead.email_id == email)
	if not conditions:
		return None
	match = conditions[0] if len(conditions) == 1 else conditions[0] | conditions[1]
	rows = (
		frappe.qb.from_(Lead)
		.select(Lead.name)
		.where(match)
		.where(Lead.status.notin(("Converted", "Do Not Contact")))
		.orderby(Lead.creation, order=frappe.qb.desc)
		.limit(1)
		.run(pluck=True)
	)
	return rows[0] if rows else None
