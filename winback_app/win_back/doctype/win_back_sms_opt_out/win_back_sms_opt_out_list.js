frappe.listview_settings["Win-Back SMS Opt-Out"] = {
	add_fields: ["active", "reason"],
	has_indicator_for_draft: 1,
	get_indicator(doc) {
		return doc.active ? [__(doc.reason), "red", "active,=,1"] : [__("Texts allowed again"), "green", "active,=,0"];
	},
};
