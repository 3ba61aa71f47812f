"""A loopback HTTP server shaped like Twilio's Messages API, for the sending benchmark. Never a real provider.

    ../env/bin/python /work/main/benchmarks/twilio_loopback.py [--port 0] [--max-seconds 7200]

It binds 127.0.0.1 only, prints "PORT <n>" on its first stdout line, and answers
    POST /2010-04-01/Accounts/<AC sid>/Messages.json   (form: To, Body, MessagingServiceSid | From, ...)
with 201 and the JSON of a queued message {"sid": "SM<32 hex>", "status": "queued", ...}, the way Twilio does.
It checks HTTP Basic auth against the account SID in the path (any token is accepted unless --token is given).

Speed: one asyncio loop, HTTP/1.1 keep-alive, and every response is built as ONE bytes object and written with
ONE write, on sockets with TCP_NODELAY. (Headers and body in separate small writes on a kept-alive connection
meet Nagle + delayed ACK and cap the client at ~22 requests/s.)

--latency-ms N answers each message N ms late (other connections are served meanwhile), the way a real provider's
round trip looks from a worker; 0 (the default) measures our own CPU cost alone.

Control and accounting (for the benchmark; same port):
    GET  /__stats      -> {"requests", "created", "rejected", "distinct_bodies", "duplicate_bodies", ...}
    POST /__reset      -> zero the counters
    POST /__shutdown   -> stop
It stops by itself when its stdin closes (the parent exited or closed the pipe), on /__shutdown, or after
--max-seconds, so a crashed benchmark never leaves it running.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import re
import socket
import sys
import time
from email.utils import formatdate
from urllib.parse import parse_qs

MESSAGES = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-fA-F]{32})/Messages\.json$")
REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}


class Stats:
	def __init__(self):
		self.reset()

	def reset(self):
		self.requests = 0  # POSTs to the Messages resource
		self.created = 0
		self.rejected = 0
		self.bodies: set[bytes] = set()  # 16-byte digests of (To, Body): one per distinct message
		self.duplicates = 0
		self.numbers: set[str] = set()
		self.first_at = None
		self.last_at = None

	def as_dict(self):
		return {
			"requests": self.requests,
			"created": self.created,
			"rejected": self.rejected,
			"distinct_bodies": len(self.bodies),
			"duplicate_bodies": self.duplicates,
			"distinct_numbers": len(self.numbers),
			"seconds_first_to_last": round((self.last_at or 0) - (self.first_at or 0), 3),
		}


def response(status: int, payload: dict | None, keep_alive: bool) -> bytes:
	body = json.dumps(payload).encode() if payload is not None else b""
	head = (
		f"HTTP/1.1 {status} {REASONS.get(status, 'OK')}\r\n"
		f"Date: {formatdate(usegmt=True)}\r\n"
		"Content-Type: application/json; charset=utf-8\r\n"
		f"Content-Length: {len(body)}\r\n"
		f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n"
		"Twilio-Request-Id: RQ" + os.urandom(16).hex() + "\r\n"
		"\r\n"
	).encode()
	return head + body  # ONE buffer, ONE write


class Server:
	def __init__(self, token: str | None = None, latency: float = 0.0):
		self.stats = Stats()
		self.token = token
		self.latency = latency  # seconds before a message is answered, as Twilio's own 100-300 ms
		self.stopping: asyncio.Event | None = None

	def message(self, sid: str, headers: dict, body: bytes) -> tuple[int, dict]:
		auth = headers.get("authorization", "")
		try:
			user, _, password = base64.b64decode(auth.split(" ", 1)[1]).decode().partition(":")
		except Exception:
			user = password = None
		if user != sid or (self.token is not None and password != self.token):
			return 401, {"code": 20003, "message": "Authenticate", "more_info": "", "status": 401}
		form = {k: v[0] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
		to, text = form.get("To", ""), form.get("Body", "")
		if not to or not text or not (form.get("MessagingServiceSid") or form.get("From")):
			return 400, {
				"code": 21604,
				"message": "A 'To' phone number and a 'Body' are required.",
				"more_info": "",
				"status": 400,
			}
		digest = hashlib.blake2b(f"{to}\x00{text}".encode(), digest_size=16).digest()
		if digest in self.stats.bodies:
			self.stats.duplicates += 1
		self.stats.bodies.add(digest)
		self.stats.numbers.add(to)
		now = formatdate(usegmt=True)
		return 201, {
			"account_sid": sid,
			"api_version": "2010-04-01",
			"body": text,
			"date_created": now,
			"date_sent": None,
			"date_updated": now,
			"direction": "outbound-api",
			"error_code": None,
			"error_message": None,
			"from": form.get("From"),
			"messaging_service_sid": form.get("MessagingServiceSid"),
			"num_media": "0",
			"num_segments": "1",
			"price": None,
			"price_unit": "USD",
			"sid": "SM" + os.urandom(16).hex(),
			"status": "queued",
			"subresource_uris": {},
			"to": to,
			"uri": f"/2010-04-01/Accounts/{sid}/Messages.json",
		}

	async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
		sock = writer.get_extra_info("socket")
		if sock is not None:
			sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
		try:
			while True:
				try:
					head = await reader.readuntil(b"\r\n\r\n")
				except (asyncio.IncompleteReadError, asyncio.CancelledError, ConnectionError):
					return  # the client closed the connection, or the server is stopping
				lines = head.decode("latin-1").split("\r\n")
				method, path, version = (lines[0].split(" ") + ["", "", ""])[:3]
				headers = {}
				for line in lines[1:]:
					if ":" in line:
						k, v = line.split(":", 1)
						headers[k.strip().lower()] = v.strip()
				length = int(headers.get("content-length") or 0)
				body = await reader.readexactly(length) if length else b""
				keep_alive = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
				path = path.split("?", 1)[0]
				match = MESSAGES.match(path)
				if method == "POST" and match:
					stats = self.stats
					stats.requests += 1
					stats.last_at = time.monotonic()
					stats.first_at = stats.first_at or stats.last_at
					status, payload = self.message(match.group(1), headers, body)
					if self.latency:
						await asyncio.sleep(self.latency)  # other connections are served meanwhile
					if status == 201:
						stats.created += 1
					else:
						stats.rejected += 1
				elif method == "GET" and path == "/__stats":
					status, payload = 200, self.stats.as_dict()
				elif method == "POST" and path == "/__reset":
					self.stats.reset()
					status, payload = 200, {"reset": True}
				elif method == "POST" and path == "/__shutdown":
					status, payload, keep_alive = 200, {"stopping": True}, False
					self.stopping.set()
				else:
					status, payload = 404, {"code": 20404, "message": "Not found", "status": 404}
				writer.write(response(status, payload, keep_alive))
				await writer.drain()
				if not keep_alive:
					return
		finally:
			writer.close()

	async def serve(self, port: int, max_seconds: float, on_port=None):
		self.stopping = asyncio.Event()
		server = await asyncio.start_server(self.handle, "127.0.0.1", port, backlog=64)
		bound = server.sockets[0].getsockname()[1]
		if on_port:
			on_port(bound)
		loop = asyncio.get_running_loop()
		loop.call_later(max_seconds, self.stopping.set)
		async with server:
			await self.stopping.wait()


def _stop_when_stdin_closes(loop: asyncio.AbstractEventLoop, stopping: asyncio.Event) -> None:
	"""Stop when the parent goes away: its end of our stdin pipe closes (read returns b"")."""
	fd = sys.stdin.fileno()
	os.set_blocking(fd, False)

	def readable():
		try:
			data = os.read(fd, 4096)
		except BlockingIOError:
			return
		except OSError:
			data = b""
		if not data:
			loop.remove_reader(fd)
			stopping.set()

	loop.add_reader(fd, readable)


def main():
	parser = argparse.ArgumentParser(
		description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
	)
	parser.add_argument("--port", type=int, default=0, help="0 = any free port (printed)")
	parser.add_argument("--max-seconds", type=float, default=7200)
	parser.add_argument("--token", default=None, help="require this auth token")
	parser.add_argument("--no-stdin-watch", action="store_true", help="do not stop when stdin closes")
	parser.add_argument(
		"--latency-ms", type=float, default=0, help="answer each message this late (Twilio: ~100-300 ms)"
	)
	args = parser.parse_args()
	server = Server(args.token, args.latency_ms / 1000)

	def on_port(port):
		print(f"PORT {port}", flush=True)
		if not args.no_stdin_watch:
			_stop_when_stdin_closes(asyncio.get_running_loop(), server.stopping)

	asyncio.run(server.serve(args.port, args.max_seconds, on_port))
	try:
		print("STATS " + json.dumps(server.stats.as_dict()), flush=True)
	except (BrokenPipeError, OSError):
		pass  # the parent is gone


if __name__ == "__main__":
	main()
