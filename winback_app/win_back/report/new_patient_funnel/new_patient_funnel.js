frappe.query_reports["New Patient Funnel"] = {
	filters: [
		{
			fieldname: "from_date",
			label: __("Reached us from"),
			fieldtype: "Date",
			default: frappe.datetime.add_months(frappe.datetime.get_today(), -1),
			reqd: 1,
		},
		{
			fieldname: "to_date",
			label: __("Reached us until"),
			fieldtype: "Date",
			default: frappe.datetime.get_today(),
			reqd: 1,
		},
	],
};
