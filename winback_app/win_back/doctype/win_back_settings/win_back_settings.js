frappe.ui.form.on("Win-Back Settings", {
	onload(frm) {
		frappe.xcall("frappe.core.doctype.user.user.get_timezones").then((r) => {
			frm.set_df_property("default_time_zone", "options", r.timezones);
		});
	},
});
