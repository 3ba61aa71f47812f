"""bench commands of this app (frappe finds them in <app>.commands)."""

import click

from frappe.commands import get_site, pass_context


@click.command("winback-demo")
@click.option("--patients", default=300, show_default=True, help="How many fictional patients to create.")
@click.option("--force", is_flag=True, help="Run even though the site has patients of its own.")
@click.option("--remove", is_flag=True, help="Remove every demo record instead.")
@pass_context
def winback_demo(context, patients, force, remove):
	"""Seed a small demo clinic, detect lapses and run one Outbox sending cycle."""
	import frappe

	from winback_app import demo

	frappe.init(site=get_site(context))
	frappe.connect()
	try:
		if remove:
			click.echo(f"Removed: {demo.remove()}")
			return
		result = demo.seed(
			patients=patients, force=force, progress=lambda pct, text: click.echo(f"[{pct:3d}%] {text}")
		)
		from winback_app.compat import desk_path

		click.echo(f"Demo clinic ready: {result}. Open {desk_path('win-back')} in the desk.")
	finally:
		frappe.destroy()


commands = [winback_demo]
