// Offer the list of time zones in the Patient's "Time zone" field (the same list System Settings uses).
frappe.ui.form.on("Patient", {
	onload(frm) {
		if (!frm.fields_dict.winback_time_zone) return;
		frappe.xcall("frappe.core.doctype.user.user.get_timezones").then((r) => {
			frm.set_df_property("winback_time_zone", "options", r.timezones);
		});
	},
});
