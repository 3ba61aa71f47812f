"""End-to-end helpers: the site served by gunicorn on a loopback port, and headless Debian Chromium driven by
Playwright. Tests that use them skip, with the reason, when Chromium or Playwright is not installed
(.ci/run installs both)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import frappe

CHROMIUM = os.environ.get("WINBACK_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_ARGS = [
	"--headless",
	"--no-sandbox",
	"--disable-gpu",
	"--disable-background-networking",
	"--disable-quic",
	"--no-first-run",
	"--disable-component-update",
	"--disable-sync",
]


def missing() -> str | None:
	if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
		return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
	try:
		import playwright  # noqa: F401
	except ImportError:
		return "Playwright is not installed in the bench's Python (pip install playwright)"
	return None


def _free_port() -> int:
	with socket.socket() as s:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]


@contextlib.contextmanager
def served_site():
	"""Yields the base URL of the current site served by one gunicorn worker (with /assets, as `bench serve`
	does; nginx does it in production); stops it afterwards."""
	port = _free_port()
	sites = Path(frappe.local.sites_path).resolve()
	gunicorn = Path(sys.executable).with_name("gunicorn")
	log = open(
		ARTIFACTS.joinpath("gunicorn.log") if ARTIFACTS.mkdir(exist_ok=True) is None else os.devnull, "w"
	)
	proc = subprocess.Popen(
		[
			str(gunicorn),
			"-b",
			f"127.0.0.1:{port}",
			"-w",
			"1",
			"--threads",
			"4",
			"-t",
			"120",
			"frappe.app:application_with_statics()",
		],
		cwd=sites,
		stdout=log,
		stderr=subprocess.STDOUT,
	)
	base = f"http://127.0.0.1:{port}"
	try:
		deadline = time.monotonic() + 60
		while True:
			try:
				request = urllib.request.Request(
					f"{base}/api/method/ping", headers={"X-Frappe-Site-Name": frappe.local.site}
				)
				if urllib.request.urlopen(request, timeout=2).status == 200:
					break
			except OSError:
				if time.monotonic() > deadline or proc.poll() is not None:
					raise RuntimeError(
						f"the site did not start on {base}; see {ARTIFACTS}/gunicorn.log"
					) from None
				time.sleep(0.5)
		yield base
	finally:
		proc.terminate()
		try:
			proc.wait(timeout=10)
		except subprocess.TimeoutExpired:
			proc.kill()
		log.close()


@contextlib.contextmanager
def browser_page():
	"""A fresh headless Chromium page that sends the site name with every request (the server is on 127.0.0.1)."""
	from playwright.sync_api import sync_playwright

	with sync_playwright() as pw:
		browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
		context = browser.new_context(
			viewport={"width": 390, "height": 844},
			extra_http_headers={"X-Frappe-Site-Name": frappe.local.site},
		)
		try:
			yield context.new_page()
		finally:
			context.close()
			browser.close()


def screenshot(page, name: str) -> Path:
	ARTIFACTS.mkdir(exist_ok=True)
	path = ARTIFACTS / f"{name}.png"
	page.screenshot(path=str(path), full_page=True)
	return path


def sign_in(page, base: str, user: str, password: str) -> None:
	"""Log into the desk on a wide viewport; a failed login leaves a screenshot before it raises."""
	import re

	page.set_viewport_size({"width": 1366, "height": 900})
	page.goto(f"{base}/login")
	page.fill("#login_email", user)
	page.fill("#login_password", password)
	page.click(".btn-login")
	try:
		page.wait_for_url(re.compile(r".*/(app|desk)\b.*"), timeout=60_000)  # the desk: /app on v15, /desk on v16
	except Exception:
		screenshot(page, "desk-login-failed")
		raise
