"""TwilioSmsChannel against the real twilio client, with HTTP faked only at the transport (responses).

What matters most: an error that may have reached Twilio (read timeout, connection dropped after sending, a 5xx
from Twilio's edge, which can come after the message was created) is UNKNOWN and is never retried; only a request
that could not even connect, or a rate limit (nothing created), is RETRY. Every send makes exactly
one HTTP call: neither the twilio client nor requests may retry behind our back.
"""

import base64
import socket
import threading
from http.client import RemoteDisconnected
from urllib.parse import parse_qs

import pytest
import requests
import responses
from twilio.http.http_client import TwilioHttpClient
from urllib3.exceptions import (
	ConnectTimeoutError,
	MaxRetryError,
	NameResolutionError,
	NewConnectionError,
	ProtocolError,
	ReadTimeoutError,
)

from winback_app.sending.channels.base import (
	FAILED,
	INVALID,
	OPTED_OUT,
	PROVIDER_ERROR,
	RATE_LIMITED,
	RETRY,
	SENT,
	UNKNOWN,
	OutboundMessage,
	SendResult,
)
from winback_app.sending.channels.twilio_sms import TwilioConfig, TwilioSmsChannel, outcome_for

ACCOUNT = "AC" + "0123456789abcdef" * 2
TOKEN = "secret-auth-token"
SERVICE = "MG" + "fedcba9876543210" * 2
FROM = "+15005550006"
CALLBACK = "https://practice.example.com/api/method/winback_app.api.sms.status"
MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
SID = "SM" + "a" * 32
TO = "+12125550100"

MESSAGE = OutboundMessage(attempt="WBA-0001", channel="SMS", to=TO, body="Hi Pat, it's been a while.")


def config(**overrides) -> TwilioConfig:
	values = dict(
		account_sid=ACCOUNT,
		auth_token=TOKEN,
		messaging_service_sid=SERVICE,
		status_callback=CALLBACK,
		timeout=7.5,
	)
	values.update(overrides)
	return TwilioConfig(**values)


def created(**fields) -> dict:
	return {
		"sid": SID,
		"account_sid": ACCOUNT,
		"status": "queued",
		"to": TO,
		"body": MESSAGE.body,
		"messaging_service_sid": SERVICE,
		"num_segments": "1",
		"direction": "outbound-api",
		"uri": f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{SID}.json",
		**fields,
	}


def twilio_error(code: int, status: int, message: str = "Error") -> dict:
	return {
		"code": code,
		"message": message,
		"more_info": f"https://www.twilio.com/docs/errors/{code}",
		"status": status,
	}


def form(call) -> dict:
	body = call.request.body
	if isinstance(body, bytes):
		body = body.decode()
	return {k: v[0] if len(v) == 1 else v for k, v in parse_qs(body).items()}


@pytest.fixture(autouse=True)
def _no_edge_or_region(monkeypatch):
	# The twilio client rewrites hostnames when these are set; they must not leak in from the environment.
	for name in ("TWILIO_EDGE", "TWILIO_REGION", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"):
		monkeypatch.delenv(name, raising=False)


@pytest.fixture
def http():
	# Unmatched requests raise ConnectionError, so a second (retried) call to another URL cannot hide either.
	with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
		yield mock


def send(http, cfg=None, **add) -> SendResult:
	"""Register one response for the Messages endpoint, send MESSAGE and check exactly one HTTP call went out."""
	http.add(responses.POST, MESSAGES_URL, **add)
	result = TwilioSmsChannel(cfg or config()).send(MESSAGE)
	assert len(http.calls) == 1
	return result


# ---------------------------------------------------------------- success


def test_success_is_sent_with_the_message_sid(http):
	result = send(http, json=created(), status=201)
	assert result == SendResult(SENT, "Twilio", SID)


def test_request_carries_to_body_service_sid_and_status_callback(http):
	send(http, json=created(), status=201)
	call = http.calls[0]
	assert call.request.method == "POST"
	assert call.request.url == MESSAGES_URL
	assert form(call) == {
		"To": TO,
		"Body": MESSAGE.body,
		"MessagingServiceSid": SERVICE,
		"StatusCallback": f"{CALLBACK}?attempt=WBA-0001",
	}


def test_status_callback_names_the_attempt_and_keeps_an_existing_query():
	from winback_app.sending.channels.twilio_sms import callback_url

	assert (
		callback_url("https://c.example.com/s", "WBA-0000042")
		== "https://c.example.com/s?attempt=WBA-0000042"
	)
	assert (
		callback_url("https://c.example.com/s?x=1", "A B&C") == "https://c.example.com/s?x=1&attempt=A+B%26C"
	)
	assert callback_url("https://c.example.com/s", "") == "https://c.example.com/s", "staff replies name none"
	assert callback_url("", "WBA-1") == ""


def test_validity_period_is_sent_within_twilios_range(http):
	from dataclasses import replace

	http.add(responses.POST, MESSAGES_URL, json=created(), status=201)
	channel = TwilioSmsChannel(config())
	for valid_for, expected in ((600, "600"), (99999, "36000"), (None, None)):
		channel.send(replace(MESSAGE, valid_for=valid_for))
		assert form(http.calls[-1]).get("ValidityPeriod") == expected


def test_signature_of_the_named_callback_validates_with_its_query_string():
	"""Twilio signs the full callback URL, query string included: the webhook validates what it received."""
	from twilio.request_validator import RequestValidator

	from winback_app.sending.channels.twilio_sms import callback_url

	url = callback_url(CALLBACK, "WBA-0001")
	params = {"MessageSid": SID, "MessageStatus": "delivered"}
	signature = RequestValidator(TOKEN).compute_signature(url, params)
	assert RequestValidator(TOKEN).validate(url, params, signature)
	assert not RequestValidator(TOKEN).validate(callback_url(CALLBACK, "WBA-0002"), params, signature)


def test_from_number_is_used_when_there_is_no_messaging_service(http):
	send(http, config(messaging_service_sid="", from_number=FROM), json=created(), status=201)
	sent = form(http.calls[0])
	assert sent["From"] == FROM
	assert "MessagingServiceSid" not in sent
	assert sent["To"] == TO


def test_no_status_callback_when_none_is_configured(http):
	send(http, config(status_callback=""), json=created(), status=201)
	assert "StatusCallback" not in form(http.calls[0])


def test_basic_auth_with_the_account_sid_and_token(http):
	send(http, json=created(), status=201)
	expected = base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
	assert http.calls[0].request.headers["Authorization"] == f"Basic {expected}"


# ---------------------------------------------------------------- Twilio error responses


@pytest.mark.parametrize(
	("code", "status", "outcome"),
	[
		(21610, 400, OPTED_OUT),  # attempt to send to unsubscribed recipient
		(21211, 400, INVALID),  # invalid 'To' phone number
		(21614, 400, INVALID),  # 'To' number is not a valid mobile number
		(21635, 400, INVALID),  # 'To' number cannot be a landline
		(30006, 400, INVALID),  # landline or unreachable carrier
		(20429, 429, RETRY),  # too many requests: nothing was created
		(20500, 500, UNKNOWN),  # internal server error: it may have been created
		(20503, 503, UNKNOWN),  # service unavailable: it may have been created
		(21602, 400, FAILED),  # message body is required
		(20003, 401, FAILED),  # authentication failed
		(20404, 404, FAILED),  # resource not found
	],
)
def test_twilio_error_codes(http, code, status, outcome):
	result = send(http, json=twilio_error(code, status, f"Twilio says {code}"), status=status)
	assert result.outcome == outcome
	assert result.provider == "Twilio"
	assert result.provider_id == ""
	assert result.error_code == str(code)
	assert f"Twilio says {code}" in result.error_message


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_error_without_a_json_body_is_unknown_and_provider_trouble(http, status):
	"""A 502/504 from Twilio's edge can come after the message was created: never a blind resend."""
	result = send(http, body="<html>Bad Gateway</html>", status=status, content_type="text/html")
	assert result.outcome == UNKNOWN
	assert result.error_code == str(status)
	assert result.trouble == PROVIDER_ERROR


def test_rate_limit_429_without_a_twilio_code_is_retry_and_stops_the_run(http):
	result = send(http, body="", status=429)
	assert (result.outcome, result.trouble) == (RETRY, RATE_LIMITED)


def test_refused_request_is_no_provider_trouble(http):
	result = send(http, json=twilio_error(21602, 400, "Message body is required"), status=400)
	assert (result.outcome, result.trouble) == (FAILED, "")


def test_long_error_messages_are_cut_to_500_characters(http):
	result = send(http, json=twilio_error(21602, 400, "x" * 2000), status=400)
	assert result.outcome == FAILED
	assert len(result.error_message) == 500


# ---------------------------------------------------------------- transport failures

URL = MESSAGES_URL


def _connection_refused():
	reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")
	return requests.exceptions.ConnectionError(MaxRetryError(None, URL, reason))


def _dns_failure():
	reason = NameResolutionError("api.twilio.com", None, socket.gaierror(-3, "Temporary failure"))
	return requests.exceptions.ConnectionError(MaxRetryError(None, URL, reason))


def _connect_timeout():
	reason = ConnectTimeoutError(None, "Connection to api.twilio.com timed out. (connect timeout=7.5)")
	return requests.exceptions.ConnectTimeout(MaxRetryError(None, URL, reason))


def _read_timeout():
	return requests.exceptions.ReadTimeout(ReadTimeoutError(None, URL, "Read timed out. (read timeout=7.5)"))


def _remote_disconnected():
	inner = RemoteDisconnected("Remote end closed connection without response")
	return requests.exceptions.ConnectionError(ProtocolError("Connection aborted.", inner))


def _connection_reset():
	inner = ConnectionResetError(104, "Connection reset by peer")
	return requests.exceptions.ConnectionError(ProtocolError("Connection aborted.", inner))


def _bare_connection_error():
	return requests.exceptions.ConnectionError("connection dropped")


@pytest.mark.parametrize(
	("make", "outcome", "error_code"),
	[
		(_read_timeout, UNKNOWN, "ReadTimeout"),
		(_connect_timeout, RETRY, "ConnectTimeout"),
		(_connection_refused, RETRY, "ConnectionError"),
		(_dns_failure, RETRY, "ConnectionError"),  # NameResolutionError is a NewConnectionError
		(_remote_disconnected, UNKNOWN, "ConnectionError"),
		(_connection_reset, UNKNOWN, "ConnectionError"),
		(_bare_connection_error, UNKNOWN, "ConnectionError"),
		(lambda: requests.exceptions.ChunkedEncodingError("broken body"), UNKNOWN, "ChunkedEncodingError"),
	],
	ids=[
		"read-timeout",
		"connect-timeout",
		"refused",
		"dns",
		"remote-disconnected",
		"reset-after-send",
		"bare-connection-error",
		"chunked-encoding",
	],
)
def test_transport_failures(http, make, outcome, error_code):
	result = send(http, body=make())
	assert result.outcome == outcome
	assert result.provider == "Twilio"
	assert result.provider_id == ""
	assert result.error_code == error_code
	assert result.trouble == PROVIDER_ERROR, "a run of these stops the dispatcher's run"


def test_the_job_timeout_is_not_a_transport_failure(http):
	"""rq raises its JobTimeoutException (an Exception subclass) inside whatever runs: the channel lets it through."""

	class JobTimeoutException(Exception):  # the shape of rq.timeouts.JobTimeoutException
		pass

	with pytest.raises(JobTimeoutException):
		send(http, body=JobTimeoutException("Task exceeded maximum timeout value (300 seconds)"))


# ---------------------------------------------------------------- base URL and timeout


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:18080", "http://127.0.0.1:18080/"])
def test_base_url_sends_to_the_loopback_server(http, base_url):
	loopback = f"http://127.0.0.1:18080/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
	http.add(responses.POST, loopback, json=created(), status=201)
	result = TwilioSmsChannel(config(base_url=base_url)).send(MESSAGE)
	assert result.outcome == SENT
	assert len(http.calls) == 1
	assert http.calls[0].request.url == loopback


def test_configured_timeout_reaches_the_transport(http):
	channel = TwilioSmsChannel(config(timeout=3.25))
	assert isinstance(channel.client.http_client, TwilioHttpClient)
	assert channel.client.http_client.timeout == 3.25
	http.add(responses.POST, MESSAGES_URL, json=created(), status=201)
	channel.send(MESSAGE)
	assert len(http.calls) == 1
	assert http.calls[0].request.req_kwargs["timeout"] == 3.25


def test_a_given_http_client_is_used_as_is(http):
	class Recording(TwilioHttpClient):
		def __init__(self):
			super().__init__(timeout=1.5)
			self.urls = []

		def request(self, method, url, **kwargs):
			self.urls.append((method, url, kwargs.get("timeout")))
			return super().request(method, url, **kwargs)

	client = Recording()
	channel = TwilioSmsChannel(config(), http_client=client)
	assert channel.client.http_client is client
	http.add(responses.POST, MESSAGES_URL, json=created(), status=201)
	assert channel.send(MESSAGE).outcome == SENT
	assert client.urls == [("POST", MESSAGES_URL, None)]
	assert http.calls[0].request.req_kwargs["timeout"] == 1.5


# ---------------------------------------------------------------- real sockets on loopback
# The fakes above build the exception shapes by hand; these check that requests and urllib3 really raise
# those shapes, so the RETRY / UNKNOWN split holds outside the fakes too.


def _free_port() -> int:
	with socket.socket() as s:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]


class _Server:
	"""Accepts one connection, reads the request, then either hangs (no reply) or closes without replying."""

	def __init__(self, mode: str):
		self.mode = mode
		self.sock = socket.socket()
		self.sock.bind(("127.0.0.1", 0))
		self.sock.listen(1)
		self.port = self.sock.getsockname()[1]
		self.received = b""
		self.connections = 0
		self.done = threading.Event()
		self.thread = threading.Thread(target=self._run, daemon=True)
		self.thread.start()

	def _run(self):
		self.sock.settimeout(0.05)  # keep accepting (to count any second attempt) until close()
		try:
			while not self.done.is_set():
				try:
					conn, _ = self.sock.accept()
				except TimeoutError:
					continue
				except OSError:
					return
				self.connections += 1
				with conn:
					conn.settimeout(2)
					try:
						self.received += conn.recv(65536)
					except OSError:
						pass
					if self.mode == "hang":
						self.done.wait(3)
		finally:
			self.sock.close()

	def close(self):
		self.done.set()
		self.thread.join(5)


def test_real_refused_connection_is_retry():
	port = _free_port()
	result = TwilioSmsChannel(config(base_url=f"http://127.0.0.1:{port}", timeout=2)).send(MESSAGE)
	assert result.outcome == RETRY


def test_real_read_timeout_is_unknown_and_sent_once():
	server = _Server("hang")
	try:
		channel = TwilioSmsChannel(config(base_url=f"http://127.0.0.1:{server.port}", timeout=0.3))
		result = channel.send(MESSAGE)
	finally:
		server.close()
	assert result.outcome == UNKNOWN
	assert result.error_code == "ReadTimeout"
	assert server.connections == 1
	assert b"POST /2010-04-01/Accounts/" in server.received


def test_real_connection_closed_after_sending_is_unknown_and_sent_once():
	server = _Server("close")
	try:
		channel = TwilioSmsChannel(config(base_url=f"http://127.0.0.1:{server.port}", timeout=2))
		result = channel.send(MESSAGE)
	finally:
		server.close()
	assert result.outcome == UNKNOWN
	assert result.error_code == "ConnectionError"
	assert server.connections == 1


# ---------------------------------------------------------------- outcome_for as a table


@pytest.mark.parametrize(
	("status", "code", "outcome"),
	[
		(400, 21610, OPTED_OUT),
		(400, 21211, INVALID),
		(400, 21614, INVALID),
		(400, 21635, INVALID),
		(400, 30006, INVALID),
		(429, 20429, RETRY),
		(400, 20429, RETRY),  # the code alone is enough
		(None, 20429, RETRY),
		(429, None, RETRY),
		(500, None, UNKNOWN),
		(500, 500, UNKNOWN),
		(502, None, UNKNOWN),
		(503, 20503, UNKNOWN),
		(504, None, UNKNOWN),
		(599, None, UNKNOWN),
		(400, 21602, FAILED),
		(401, 20003, FAILED),
		(404, 20404, FAILED),
		(400, None, FAILED),
		(None, None, FAILED),
		(499, None, FAILED),
		(500, 21610, OPTED_OUT),  # a known code wins over the status
		(503, 21211, INVALID),
	],
)
def test_outcome_for(status, code, outcome):
	assert outcome_for(status, code) == outcome


def test_each_sender_thread_gets_a_client_of_its_own():
	"""The dispatcher sends from several threads at once: no thread shares another's client or HTTP session."""
	import threading

	channel = TwilioSmsChannel(TwilioConfig("AC" + "1" * 32, "token"))
	assert TwilioSmsChannel.concurrent
	mine = channel.client
	assert channel.client is mine, "one client per thread, kept"
	theirs = []
	thread = threading.Thread(target=lambda: theirs.append(channel.client))
	thread.start()
	thread.join()
	assert theirs[0] is not mine
	assert theirs[0].http_client is not mine.http_client
