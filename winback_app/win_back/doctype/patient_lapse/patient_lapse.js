frappe.ui.form.on("Patient Lapse", {
	refresh(frm) {
		if (frm.is_new()) return;
		if (["Open", "In Cadence", "Replied"].includes(frm.doc.status)) {
			frm.add_custom_button(__("Reply by text"), () => winback_reply_dialog(frm.doc.name, () => frm.reload_doc()));
		}
		window.winback_contact_preference_buttons && winback_contact_preference_buttons(frm);
		frm.add_custom_button(__("Contact attempts"), () =>
			frappe.set_route("List", "Win-Back Contact Attempt", { lapse: frm.doc.name })
		);
	},
});
