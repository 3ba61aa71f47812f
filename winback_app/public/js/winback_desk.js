// What a patient typed is stored as the HTML of its text (winback_app/engine/untrusted.py) and frappe shows
// read-only text fields, list cells and report cells as HTML. These helpers show such a value as text whether
// it was stored escaped or not (a row written before escaping, a value from another app): unescape, then
// escape everything, so no tag in it can ever become markup.
window.winback = window.winback || {};
winback.as_text = function (value) {
	if (value === null || value === undefined) return "";
	return frappe.utils.escape_html(frappe.utils.unescape_html(String(value)));
};
// Give fields of a doctype the as_text formatter in forms, lists and report views (frappe's documented
// docfield formatter hook; called from the doctype's list script, which runs whenever its meta loads).
winback.show_as_text = function (doctype, fieldnames) {
	const fields = (frappe.meta.docfield_map || {})[doctype] || {};
	for (const fieldname of fieldnames) {
		if (fields[fieldname]) fields[fieldname].formatter = (value) => winback.as_text(value);
	}
};

// A live alert for the front desk when a patient's text needs a person (published by winback_app.replies.routing):
// the preview is the text as typed, the name as stored; both are escaped here. Registered once the desk has
// started: this file runs before frappe.realtime.init(), when frappe.realtime.on() would drop the handler.
winback.show_reply_alert = function (data) {
	const parts = [winback.as_text(data.from), frappe.utils.escape_html(data.preview)];
	frappe.show_alert(
		data.urgent
			? { message: __("Urgent text from {0}: {1}", parts), indicator: "red" }
			: { message: __("Text from {0}: {1}", parts), indicator: "orange" },
		// an urgent text stays until it is read; the others for 15 seconds
		data.urgent ? 600 : 15
	);
};
$(document).on("app_ready", () => frappe.realtime.on("winback_reply", winback.show_reply_alert));

// The staff reply dialog, shared by the Patient Lapse and Win-Back SMS Reply forms; message: a draft to edit
// (the practice's suggested answer), set as a value, never as HTML.
window.winback_reply_dialog = function (lapse, after, message) {
	const d = new frappe.ui.Dialog({
		title: __("Reply by text"),
		fields: [{ fieldname: "message", fieldtype: "Small Text", label: __("Message"), reqd: 1 }],
		primary_action_label: __("Send"),
		primary_action({ message }) {
			frappe.xcall("winback_app.api.inbox.reply_by_sms", { lapse, message }).then(() => {
				d.hide();
				frappe.show_alert({ message: __("Text sent"), indicator: "green" });
				after && after();
			});
		},
	});
	if (message) d.set_value("message", message);
	d.show();
};

// "The patient asked on the phone": do not contact, or text consent revoked, with the reason they gave.
// Shared by the Patient Lapse and Win-Back SMS Reply forms (winback_app.api.patient.record_contact_preference).
window.winback_contact_preference_buttons = function (frm) {
	if (frm.is_new() || !frm.doc.patient) return;
	const group = __("Patient asked");
	const ask = (action, title) => {
		frappe.prompt(
			[{ fieldname: "reason", fieldtype: "Small Text", label: __("What the patient said"), reqd: 1 }],
			({ reason }) =>
				frappe
					.xcall("winback_app.api.patient.record_contact_preference", {
						doctype: frm.doctype,
						name: frm.doc.name,
						action,
						reason,
					})
					.then(() => {
						frappe.show_alert({ message: __("Recorded"), indicator: "green" });
						frm.reload_doc();
					}),
			title,
			__("Record")
		);
	};
	frm.add_custom_button(__("Do not contact"), () => ask("do_not_contact", __("Do not contact for win-back")), group);
	frm.add_custom_button(
		__("Stop texting (consent revoked)"),
		() => ask("revoke_text_consent", __("Text consent revoked by phone")),
		group
	);
};
