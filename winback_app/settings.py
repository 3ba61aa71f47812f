"""The one accessor for Win-Back Settings: read once per request or job, with defaults, as plain data.

Jobs call get_settings() once and pass the result down; nothing re-reads the Single inside a loop.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import frappe
from frappe import _
from frappe.utils import cint, get_system_timezone

from winback_app.engine.detection import UNKNOWN_AGE_EMAIL_ONLY, Policy
from winback_app.engine.window import SendWindow

WEEKDAY_FIELDS = (
	"send_on_monday",
	"send_on_tuesday",
	"send_on_wednesday",
	"send_on_thursday",
	"send_on_friday",
	"send_on_saturday",
	"send_on_sunday",
)


def get_settings():
	"""The cached Settings document (frappe clears the cache when it is saved)."""
	return frappe.get_cached_doc("Win-Back Settings")


def clinic_time_zone() -> str:
	return get_settings().default_time_zone or get_system_timezone()


def send_window() -> SendWindow:
	s = get_settings()
	return SendWindow.from_settings(
		start=str(s.window_start or "09:00:00"),
		end=str(s.window_end or "19:00:00"),
		weekdays=tuple(i for i, f in enumerate(WEEKDAY_FIELDS) if cint(s.get(f))),
	)


def phone_region() -> str:
	return (get_settings().default_region or "US").upper()


class PublicAddressMissingError(frappe.ValidationError):
	"""Messages would leave the site with a link, and there is no https public address to put in it."""


DEFAULT_TRUSTED_PROXIES = ("127.0.0.1", "::1")


def detection_policy(settings=None):
	"""Who may be contacted at all: minimum age, the consent policy and what a missing birth date means."""
	s = settings or get_settings()
	return Policy(
		minimum_age=cint(s.minimum_age),
		require_sms_consent=require_consent(s),
		unknown_age=s.get("unknown_age_policy") or UNKNOWN_AGE_EMAIL_ONLY,
		reach_minors_through_guardian=bool(cint(s.get("reach_minors_through_guardian"))),
	)


EVERYONE_NOT_OPTED_OUT = "Everyone not opted out"
ONLY_WITH_CONSENT = "Only patients who granted consent"


def require_consent(settings=None) -> bool:
	"""True unless the manager chose "Everyone not opted out": a policy nobody chose yet never assumes consent
	(and no campaign can be enabled until one is chosen, see consent_policy_chosen)."""
	return ((settings or get_settings()).sms_consent_policy or "") != EVERYONE_NOT_OPTED_OUT


def consent_policy_chosen(settings=None) -> bool:
	return ((settings or get_settings()).sms_consent_policy or "") in (
		EVERYONE_NOT_OPTED_OUT,
		ONLY_WITH_CONSENT,
	)


def texts_need_known_age(settings=None) -> bool:
	"""True when a patient with no birth date must not be texted (the dispatcher checks it at send time)."""
	return detection_policy(settings).age_unknown_blocks_texts(None)


def is_https_address(url: str | None) -> bool:
	"""An absolute https address of a host, nothing else: no credentials, query or fragment."""
	try:
		parts = urlsplit((url or "").strip())
	except ValueError:
		return False
	return (
		parts.scheme == "https"
		and bool(parts.hostname)
		and "@" not in parts.netloc
		and not parts.query
		and not parts.fragment
	)


def sends_for_real(settings=None) -> bool:
	"""Anything but the Outbox makes messages (and their links) leave the site."""
	return ((settings or get_settings()).sending_mode or "Outbox") != "Outbox"


def check_public_address(settings=None) -> None:
	"""Refuse to send for real without an https public address: every link in a message that leaves the site is
	built from it, never from the address a request or a worker happens to see (an internal host name, http).

	Called by the settings form on save and by the dispatcher before it claims anything.
	"""
	s = settings or get_settings()
	if sends_for_real(s) and not is_https_address(s.public_base_url):
		frappe.throw(
			_(
				"Set Win-Back Settings > Public site address to the clinic's https address (for example "
				"https://clinic.example.com) before sending through {0}: every booking link and delivery report "
				"uses it."
			).format(_(s.sending_mode)),
			PublicAddressMissingError,
			title=_("Public site address missing"),
		)


def link_base_url(settings=None) -> str:
	"""The base of every link that leaves the site (booking links, Twilio's status callback).

	Sending for real: the https public address, or PublicAddressMissingError. In Outbox mode nothing leaves the
	site, so the site's own address stands in when no public address is set (the demo works out of the box).
	"""
	s = settings or get_settings()
	if is_https_address(s.public_base_url):
		return s.public_base_url.strip().rstrip("/")
	check_public_address(s)
	return frappe.utils.get_url().rstrip("/")


def trusted_proxies(settings=None) -> tuple[str, ...]:
	"""Addresses (or networks) of the clinic's own reverse proxies, whose X-Forwarded-For is believed.

	Empty means this machine's nginx (127.0.0.1, ::1), as a bench's production setup has it; "none" trusts nobody.
	"""
	raw = ((settings or get_settings()).get("trusted_proxies") or "").replace(",", "\n").split()
	if not raw:
		return DEFAULT_TRUSTED_PROXIES
	return tuple(p for p in raw if p.lower() != "none")
