"""Integration tier: run FrappeTestCase tests on a real site of a real bench.

Which bench: the one you give it, and no other. A bench is given when pytest runs under that bench's own Python
(`/opt/frappe-bench/env/bin/python -m pytest`) or when WINBACK_BENCH names it; WINBACK_SITE names the site
(default winback.test). A bench that merely exists at the default path is left alone, and the tier is skipped
with one printed line saying why, like every other reason to skip it.

Before the first test the harness makes the given site run *this checkout*, and prints each change it makes:
it points the bench's apps/winback_app at the repository (saying so when it pointed at another checkout), makes
it importable in the bench's virtualenv, lists it in sites/apps.txt and clears frappe's cached app list, installs
the app on the site, or migrates the site when the app's schema, hooks, patches or seed data changed since the
last run (a fingerprint kept in the site config), and sets allow_tests. Tests then run in-process on that site
with frappe.flags.in_test set; each test is rolled back (see base.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import site
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_BENCH = Path("/opt/frappe-bench")
BENCH = Path(os.environ.get("WINBACK_BENCH") or DEFAULT_BENCH)
SITE = os.environ.get("WINBACK_SITE", "winback.test")
HERE = Path(__file__).resolve().parent
CHANGES: list[str] = []  # what the harness changed on the bench, printed as it happens and in the summary


def _given() -> bool:
	"""The bench was asked for: WINBACK_BENCH is set, or pytest runs under that bench's own Python."""
	if os.environ.get("WINBACK_BENCH"):
		return True
	env = (BENCH / "env").resolve()
	return Path(sys.prefix).resolve() == env


def _say(change: str) -> None:
	CHANGES.append(change)
	# Straight to the terminal: pytest captures output while conftest files load.
	print(f"integration harness: {change}", file=sys.__stderr__, flush=True)


def _problem() -> str | None:
	if not (BENCH / "apps" / "frappe").is_dir():
		return f"no Frappe bench at {BENCH} (set WINBACK_BENCH to a bench directory)"
	if not _given():
		return (
			f"a bench exists at {BENCH} but was not given: run pytest with {BENCH}/env/bin/python "
			"or set WINBACK_BENCH (the harness only changes a bench it is given)"
		)
	if not (BENCH / "sites" / SITE / "site_config.json").is_file():
		return f"no site {SITE!r} in {BENCH}/sites (set WINBACK_SITE)"
	try:
		import frappe  # noqa: F401
	except ImportError:
		found = sorted((BENCH / "env" / "lib").glob("python3*/site-packages"))
		wanted = f"python{sys.version_info.major}.{sys.version_info.minor}"
		matching = [p for p in found if p.parent.name == wanted]
		if not matching:
			return (
				f"the bench's virtualenv is not {wanted}: run the tests with {BENCH}/env/bin/python -m pytest"
			)
		# addsitedir also runs the .pth files of the bench's editable installs (frappe, erpnext, healthcare);
		# the bench's packages go first so frappe gets the versions it pins.
		before = list(sys.path)
		site.addsitedir(str(matching[0]))
		added = [p for p in sys.path if p not in before]
		sys.path[:] = added + before
		try:
			import frappe  # noqa: F401
		except ImportError as exc:
			return f"frappe cannot be imported from {matching[0]}: {exc}"
	return None


PROBLEM = _problem()


def pytest_ignore_collect(collection_path, config):
	if PROBLEM and collection_path.is_file() and collection_path.name.startswith("test_"):
		return True
	return None


def pytest_report_header(config):
	if PROBLEM:
		return f"integration tier SKIPPED: {PROBLEM}"
	return f"integration tier: site {SITE} on bench {BENCH}"


def pytest_terminal_summary(terminalreporter):
	if PROBLEM:
		terminalreporter.write_line(f"integration tier SKIPPED: {PROBLEM}", yellow=True, bold=True)
	for change in CHANGES:
		terminalreporter.write_line(f"integration harness changed: {change}")


def _bench(*args: str, timeout: int = 3600) -> None:
	cmd = [
		str(BENCH / "env" / "bin" / "python"),
		"-m",
		"frappe.utils.bench_helper",
		"frappe",
		"--site",
		SITE,
		*args,
	]
	result = subprocess.run(cmd, cwd=BENCH / "sites", capture_output=True, text=True, timeout=timeout)
	if result.returncode != 0:
		raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")


def _fingerprint() -> str:
	"""Everything that migrate reads: doctype JSON and controllers, hooks, patches, install and seed data."""
	digest = hashlib.sha256()
	package = REPO / "winback_app"
	for path in sorted(package.rglob("*")):
		if path.suffix in (".json", ".py", ".txt") and "__pycache__" not in path.parts:
			rel = path.relative_to(package).as_posix()
			# doctype controllers carry on_doctype_update (indexes), so they count too
			if path.suffix == ".json" or rel.startswith(
				("hooks", "install", "patches", "setup/", "modules", "win_back/doctype/")
			):
				digest.update(rel.encode())
				digest.update(path.read_bytes())
	return digest.hexdigest()


def _link_checkout() -> None:
	link = BENCH / "apps" / "winback_app"
	if link.is_symlink():
		if link.resolve() != REPO:
			_say(f"re-pointing {link} from {link.resolve()} to this checkout {REPO}")
			link.unlink()
			link.symlink_to(REPO, target_is_directory=True)
	elif link.exists():
		if link.resolve() != REPO:
			raise RuntimeError(f"{link} is a real directory, not this checkout ({REPO}); move it away first")
	else:
		_say(f"linking {link} to this checkout {REPO}")
		link.symlink_to(REPO, target_is_directory=True)

	# What `bench build` does for an app's static files: the site serves /assets/winback_app from public/.
	assets = BENCH / "sites" / "assets" / "winback_app"
	public = REPO / "winback_app" / "public"
	if assets.is_symlink() and assets.resolve() != public:
		assets.unlink()
	if assets.parent.is_dir() and not assets.exists() and not assets.is_symlink():
		_say(f"linking {assets} to {public}")
		assets.symlink_to(public, target_is_directory=True)

	probe = subprocess.run(
		[
			str(BENCH / "env" / "bin" / "python"),
			"-c",
			"import winback_app, os; print(os.path.realpath(winback_app.__file__))",
		],
		capture_output=True,
		text=True,
	)
	# A path inside this checkout (with the separator: /work/main-snapshot is not /work/main).
	if probe.returncode != 0 or not probe.stdout.strip().startswith(str(REPO) + os.sep):
		# Editable install through the symlink: a later checkout only needs the symlink re-pointed.
		_say(f"pip install -e {link} into {BENCH}/env")
		subprocess.run(
			[str(BENCH / "env" / "bin" / "python"), "-m", "pip", "install", "-q", "-e", str(link)],
			check=True,
		)

	# Only once the app imports: frappe 16's init imports every app listed in apps.txt.
	apps_txt = BENCH / "sites" / "apps.txt"
	apps = apps_txt.read_text().split()
	if "winback_app" not in apps:
		_say(f"adding winback_app to {apps_txt}")
		apps_txt.write_text("\n".join([*apps, "winback_app"]) + "\n")
		# frappe keeps each site's list of apps and modules in Redis: without this, install-app finds
		# the app but not its doctypes ("Table ... doesn't exist").
		_bench("clear-cache")


def _prepare_site() -> None:
	# frappe finds its logs and bench through relative paths: work from sites/, as bench does.
	os.chdir(BENCH / "sites")
	_link_checkout()
	config_path = BENCH / "sites" / SITE / "site_config.json"
	config = json.loads(config_path.read_text())
	fingerprint = _fingerprint()
	import frappe

	frappe.init(site=SITE, sites_path=str(BENCH / "sites"))
	frappe.connect()
	installed = "winback_app" in frappe.get_installed_apps()
	has_company = bool(frappe.db.count("Company"))
	frappe.destroy()
	if not installed and not has_company:
		# A new site whose setup was never completed: the host's own before_tests do it (a company, the clinic's
		# time zone, the test users), as the host's CI does; before winback_app, whose install reads the time zone.
		_say(
			f"completing {SITE}'s setup with the host's before_tests (erpnext's; healthcare's if no company yet)"
		)
		_bench("execute", "erpnext.setup.utils.before_tests")
		if not _site_has_company():
			_bench("execute", "healthcare.healthcare.utils.before_tests")
			_bench("execute", "erpnext.setup.utils.before_tests")
	if not installed:
		_say(f"installing winback_app on {SITE}")
		_bench("install-app", "winback_app")
	elif config.get("winback_test_fingerprint") != fingerprint or os.environ.get("WINBACK_FORCE_MIGRATE"):
		_say(f"migrating {SITE} (the app's schema, hooks, patches or seed data changed)")
		_bench("migrate", "--skip-search-index")
	if config.get("winback_test_fingerprint") != fingerprint:
		_bench("set-config", "winback_test_fingerprint", fingerprint)
	if config.get("allow_tests") is not True:
		# --parse reads the value as Python: True, not true.
		_say(f"setting allow_tests on {SITE}")
		_bench("set-config", "allow_tests", "True", "--parse")


def _site_has_company() -> bool:
	import frappe

	frappe.init(site=SITE, sites_path=str(BENCH / "sites"))
	frappe.connect()
	try:
		return bool(frappe.db.count("Company"))
	finally:
		frappe.destroy()


_connected = False


def _connect() -> None:
	"""Connect before the tier's test modules are imported: they (and the app) build frappe.qb tables at import."""
	global _connected
	_prepare_site()
	import frappe

	frappe.init(site=SITE, sites_path=str(BENCH / "sites"))
	frappe.connect()
	from winback_app.compat import set_in_test

	set_in_test(True)  # frappe 16 reads frappe.in_test, 15 frappe.flags.in_test: both are set
	frappe.set_user("Administrator")
	frappe.clear_cache()
	from tests.integration import factories

	factories.warm_shared_records()
	_connected = True


if not PROBLEM:
	_connect()


def pytest_sessionfinish(session, exitstatus):
	if _connected:
		import frappe

		frappe.db.rollback()
		frappe.destroy()
