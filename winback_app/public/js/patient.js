// Patient form: the time zone list for "Time zone", and the patient's win-back state as a headline.
frappe.ui.form.on("Patient", {
	onload(frm) {
		if (!frm.fields_dict.winback_time_zone) return;
		frappe.xcall("frappe.core.doctype.user.user.get_timezones").then((r) => {
			frm.set_df_property("winback_time_zone", "options", r.timezones);
		});
	},
	refresh(frm) {
		if (frm.is_new()) return;
		frappe.xcall("winback_app.api.patient.state", { patient: frm.doc.name }).then((s) => {
			if (!s) return; // not win-back staff
			const esc = frappe.utils.escape_html;
			const parts = [];
			if (s.lapse) {
				parts.push(
					`${__("Win-back")}: <a href="${frappe.utils.get_form_link("Patient Lapse", s.lapse.name)}">${esc(
						__(s.lapse.status)
					)}</a> ${__("in")} ${esc(s.lapse.segment)}${s.lapse.holdout ? " (" + __("holdout") + ")" : ""}`
				);
			}
			if (s.last_touch) {
				parts.push(
					`${__("last touch")}: ${esc(__(s.last_touch.channel))} ${frappe.datetime.comment_when(
						s.last_touch.sent_at
					)}`
				);
			}
			parts.push(`${__("texts")}: ${esc(s.texts)}`);
			if (s.do_not_contact) parts.push(`<b>${__("do not contact")}</b>`);
			frm.dashboard.set_headline_alert(parts.join(" · "), s.do_not_contact ? "red" : "blue");
		});
	},
});
