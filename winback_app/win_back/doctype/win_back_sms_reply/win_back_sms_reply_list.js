// What the patient typed is shown as text in lists, report views and the form (winback_desk.js).
window.winback?.show_as_text?.("Win-Back SMS Reply", ["body", "matched", "from_number", "to_number", "patient_name"]);

// "Replies waiting": the default view shows what still needs a person, oldest first.
frappe.listview_settings["Win-Back SMS Reply"] = {
	add_fields: ["handled", "needs_person", "intent", "category", "urgent", "received_on"],
	filters: [
		["handled", "=", 0],
		["needs_person", "=", 1],
	],
	// the message id means nothing to the front desk; the columns go to the category and the age
	hide_name_column: true,
	get_indicator(doc) {
		if (doc.handled) return [__("Handled"), "green", "handled,=,1"];
		if (doc.urgent) return [__("Urgent"), "red", "urgent,=,1"];
		// waiting for a person: what kind of reply it is (Clinical, Billing, Question...), filterable
		if (doc.needs_person) {
			return doc.category
				? [__(doc.category), "orange", "category,=," + doc.category]
				: [__("Waiting"), "orange", "needs_person,=,1"];
		}
		return [__(doc.category || doc.intent || "Answered"), "blue", "category,=," + (doc.category || "")];
	},
	formatters: {
		// How long the reply has waited ("3 hours ago"), its exact time on hover. received_on is a date the
		// server wrote, never what the patient typed.
		received_on(value) {
			return value ? frappe.datetime.comment_when(value) : "";
		},
	},
};
