// The patient's name may come from the host's public registration form: shown as text (winback_desk.js).
window.winback?.show_as_text?.("Patient Lapse", ["patient_name"]);

frappe.listview_settings["Patient Lapse"] = {
	add_fields: ["status"],
	has_indicator_for_draft: 1,
	get_indicator(doc) {
		const colors = {
			Open: "blue",
			Holdout: "gray",
			"In Cadence": "purple",
			Replied: "orange",
			Booked: "cyan",
			Reactivated: "green",
			"Opted Out": "red",
			Exhausted: "darkgrey",
			Closed: "darkgrey",
		};
		return [__(doc.status), colors[doc.status] || "gray", "status,=," + doc.status];
	},
};
