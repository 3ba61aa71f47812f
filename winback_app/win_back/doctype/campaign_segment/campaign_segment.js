frappe.ui.form.on("Campaign Segment", {
	refresh(frm) {
		// What is stored: switching the campaign off is noticed against it when the form is saved.
		if (!frm.is_dirty()) frm._winback_saved_enabled = cint(frm.doc.enabled);
		if (frm.is_new()) return;
		frm.add_custom_button(__("Preview who joins today"), () => show_preview(frm));
		frm.add_custom_button(__("Preview the messages"), () => show_messages(frm));
		frm.add_custom_button(__("Patient Lapses"), () =>
			frappe.set_route("List", "Patient Lapse", { segment: frm.doc.name })
		);
		if (frm.doc.enabled) {
			frm.add_custom_button(__("Run detection now"), () =>
				frappe
					.xcall("winback_app.api.campaign_segment.run_detection_now", { segment: frm.doc.name })
					.then((msg) => frappe.show_alert({ message: msg, indicator: "blue" }))
			);
		}
	},
	before_save(frm) {
		frm._winback_switching_off =
			!frm.is_new() && cint(frm._winback_saved_enabled) && !cint(frm.doc.enabled);
	},
	after_save(frm) {
		frm._winback_saved_enabled = cint(frm.doc.enabled);
		if (frm._winback_switching_off) {
			frm._winback_switching_off = false;
			offer_to_cancel_planned(frm);
		}
	},
});

// A campaign switched off keeps its planned messages unless the manager cancels them: ask which they want.
function offer_to_cancel_planned(frm) {
	frm.call("planned_messages").then((r) => {
		const planned = cint(r.message);
		if (!planned) return;
		const dialog = new frappe.ui.Dialog({
			title: __("Campaign switched off"),
			fields: [
				{
					fieldtype: "HTML",
					options: `<p>${__(
						"{0} messages of this campaign are planned and not sent yet. Cancel them, or let them go out as planned?",
						[planned]
					)}</p>`,
				},
			],
			primary_action_label: __("Cancel planned messages"),
			primary_action() {
				frm.call("cancel_planned_messages").then((res) => {
					dialog.hide();
					frappe.show_alert({
						message: __("{0} planned messages cancelled.", [cint(res.message)]),
						indicator: "green",
					});
				});
			},
			secondary_action_label: __("Let them go out"),
			secondary_action() {
				dialog.hide();
			},
		});
		dialog.show();
	});
}

function show_preview(frm) {
	frappe
		.xcall("winback_app.api.campaign_segment.preview", { segment: frm.doc.name })
		.then((r) => {
			const esc = frappe.utils.escape_html;
			const rows = (list) =>
				list
					.map(
						(x) =>
							`<tr><td><a href="${frappe.utils.get_form_link("Patient", x.patient)}">${esc(
								x.patient_name || x.patient
							)}</a></td><td>${esc(x.reason)}${x.holdout ? " (" + __("holdout") + ")" : ""}</td></tr>`
					)
					.join("");
			const reasons = Object.entries(r.excluded || {})
				.sort((a, b) => b[1] - a[1])
				.map(([reason, n]) => `<tr><td>${esc(reason)}</td><td class="text-right">${n}</td></tr>`)
				.join("");
			const html = r.event_driven
				? `<p>${__("Patients join this campaign when they miss an appointment, not in the nightly run.")}</p>`
				: `<p><b>${r.joining}</b> ${__("patients would join today")} (${r.holdout} ${__(
						"held out for measurement"
				  )}).</p>
				${r.pace ? `<p>${__("Pace")}: ${esc(r.pace.summary)}</p>` : ""}
				<h5>${__("Left out, by reason")}</h5><table class="table table-sm">${
						reasons || `<tr><td>${__("Nobody")}</td></tr>`
				  }</table>
				<h5>${__("Sample of those joining")}</h5><table class="table table-sm">${rows(r.sample)}</table>
				<h5>${__("Sample of those left out")}</h5><table class="table table-sm">${rows(
						r.excluded_sample
				  )}</table>`;
			frappe.msgprint({ title: __("Who joins {0} today", [frm.doc.name]), message: html, wide: true });
		});
}

// Every step as the campaign's latest patient (else a sample patient) would get it, from the sender's own words.
function show_messages(frm) {
	frappe
		.xcall("winback_app.api.campaign_segment.preview_messages", { segment: frm.doc.name })
		.then((r) => {
			const esc = frappe.utils.escape_html;
			const steps = (r.steps || [])
				.map(
					(s) => `<h5>${__("Day {0}", [s.day])} · ${esc(__(s.channel))}${
						s.language ? " · " + esc(s.language) : ""
					}</h5>${s.subject ? `<p><b>${esc(s.subject)}</b></p>` : ""}${
						s.problem
							? `<p class="text-danger">${esc(s.problem)}</p>`
							: `<pre style="white-space: pre-wrap">${esc(s.body)}</pre>`
					}`
				)
				.join("");
			frappe.msgprint({
				title: __("Messages for {0}", [esc(r.patient_name || "")]),
				message: `<p class="text-muted">${__(
					"Rendered as they would be sent; the booking link is an example."
				)}</p>${steps}`,
				wide: true,
			});
		});
}
