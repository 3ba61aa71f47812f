frappe.listview_settings["Win-Back Contact Attempt"] = {
	add_fields: ["status"],
	has_indicator_for_draft: 1,
	get_indicator(doc) {
		const colors = {
			Scheduled: "blue",
			Sending: "orange",
			Sent: "green",
			Delivered: "green",
			Failed: "red",
			Skipped: "gray",
			Unknown: "yellow",
			Cancelled: "darkgrey",
		};
		return [__(doc.status), colors[doc.status] || "gray", "status,=," + doc.status];
	},
};
