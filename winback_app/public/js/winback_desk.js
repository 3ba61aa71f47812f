// A live alert for the front desk when a patient's text needs a person (published by winback_app.inbox).
frappe.realtime.on("winback_reply", (data) => {
	frappe.show_alert(
		{
			message: __("Text from {0}: {1}", [frappe.utils.escape_html(data.from), frappe.utils.escape_html(data.preview)]),
			indicator: "orange",
		},
		15
	);
});

// The staff reply dialog, shared by the Patient Lapse and Win-Back SMS Reply forms.
window.winback_reply_dialog = function (lapse, after) {
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
	d.show();
};
