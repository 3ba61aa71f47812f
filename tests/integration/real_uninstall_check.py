"""A real `bench uninstall-app winback_app` and `install-app` on a site: a number that said STOP is blocked again.

Not a pytest test (uninstalling drops tables and commits: it cannot run inside a rolled-back test, nor on a site
other tests are using). Run it by hand on a test site of your own:

    cd /opt/frappe-bench/sites && ../env/bin/python /path/to/tests/integration/real_uninstall_check.py SITE

It commits one fictional patient (555-01xx number) and its opt-out, uninstalls Win-Back, checks what is left,
installs Win-Back again, checks the number is blocked and the patient's do-not-contact flag is back, and removes
what it made. Prints each step; exits non-zero on the first failed check.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import frappe

NUMBER = "+12025550142"


def bench(site: str, *args: str) -> None:
	cmd = [sys.executable, "-m", "frappe.utils.bench_helper", "frappe", "--site", site, *args]
	print("$ bench --site", site, *args, flush=True)
	result = subprocess.run(cmd, cwd=Path.cwd(), capture_output=True, text=True, timeout=3600)
	print(
		"\n".join(line for line in result.stdout.splitlines() if "Win-Back" in line or "Uninstalled" in line)
	)
	if result.returncode != 0:
		sys.exit(f"failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


def connect(site: str) -> None:
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")


def check(ok: bool, what: str) -> None:
	print(("ok   " if ok else "FAIL ") + what, flush=True)
	if not ok:
		sys.exit(1)


def main(site: str) -> None:
	connect(site)
	from winback_app.contacts.optouts import block_number

	frappe.db.delete("Win-Back SMS Opt-Out", {"name": NUMBER})
	patient = frappe.get_doc(
		{
			"doctype": "Patient",
			"first_name": "Uninstall",
			"last_name": "Check",
			"sex": frappe.db.get_value("Gender", {}, "name"),
			"mobile": "(202) 555-0142",
			"invite_user": 0,
			"winback_do_not_contact": 1,
		}
	).insert(ignore_permissions=True)
	block_number(NUMBER, "Opted Out", source="Reply", patient=patient.name, words="STOP")
	frappe.db.commit()
	check(bool(frappe.db.get_value("Win-Back SMS Opt-Out", {"name": NUMBER, "active": 1})), "STOP recorded")
	frappe.destroy()

	bench(site, "uninstall-app", "winback_app", "--yes", "--no-backup")
	connect(site)
	check("winback_app" not in frappe.get_installed_apps(), "Win-Back is uninstalled")
	check(not frappe.db.table_exists("Win-Back SMS Opt-Out"), "the opt-out table is gone")
	kept = frappe.db.get_value(
		"DefaultValue", {"parent": "__winback_sms_opt_outs", "defkey": NUMBER}, "defvalue"
	)
	check(bool(kept) and '"Opted Out"' in kept, "the opt-out is kept in tabDefaultValue")
	check(
		frappe.db.sql("select winback_do_not_contact from tabPatient where name=%s", patient.name)[0][0] == 1,
		"do not contact stays in tabPatient's column",
	)
	frappe.destroy()

	bench(site, "install-app", "winback_app")
	connect(site)
	from winback_app.contacts.optouts import is_blocked

	check(is_blocked(NUMBER) == "Opted Out", f"{NUMBER} is blocked again after the reinstall")
	check(
		frappe.db.get_value("Win-Back SMS Opt-Out", NUMBER, "patient") == patient.name,
		"linked to its patient",
	)
	check(
		frappe.db.get_value("Patient", patient.name, "winback_do_not_contact") == 1, "do not contact is back"
	)
	check(
		not frappe.db.exists("DefaultValue", {"parent": "__winback_sms_opt_outs"}), "the kept copy is removed"
	)

	frappe.db.delete("Win-Back SMS Opt-Out", {"name": NUMBER})
	for contact in frappe.get_all(
		"Dynamic Link", {"link_doctype": "Patient", "link_name": patient.name}, pluck="parent"
	):
		frappe.delete_doc("Contact", contact, force=True, ignore_permissions=True)
	frappe.delete_doc("Patient", patient.name, force=True, ignore_permissions=True)
	frappe.db.commit()
	print("cleaned up", flush=True)
	frappe.destroy()


if __name__ == "__main__":
	main(sys.argv[1])
