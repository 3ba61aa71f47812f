frappe.listview_settings["Campaign Segment"] = {
	add_fields: ["enabled"],
	has_indicator_for_draft: 1,
	get_indicator(doc) {
		return doc.enabled ? [__("Enabled"), "green", "enabled,=,1"] : [__("Disabled"), "gray", "enabled,=,0"];
	},
};
