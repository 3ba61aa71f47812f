// The words that asked for the opt-out are what a patient typed: shown as text (winback_desk.js).
window.winback?.show_as_text?.("Win-Back SMS Opt-Out", ["words"]);

frappe.listview_settings["Win-Back SMS Opt-Out"] = {
	add_fields: ["active", "reason"],
	has_indicator_for_draft: 1,
	get_indicator(doc) {
		return doc.active ? [__(doc.reason), "red", "active,=,1"] : [__("Texts allowed again"), "green", "active,=,0"];
	},
};
