frappe.query_reports["Reactivation by Segment"] = {
	filters: [
		{
			fieldname: "from_date",
			label: __("Joined from"),
			fieldtype: "Date",
			default: frappe.datetime.add_months(frappe.datetime.get_today(), -3),
			reqd: 1,
		},
		{
			fieldname: "to_date",
			label: __("Joined until"),
			fieldtype: "Date",
			default: frappe.datetime.get_today(),
			reqd: 1,
		},
		{ fieldname: "segment", label: __("Campaign"), fieldtype: "Link", options: "Campaign Segment" },
		{ fieldname: "practitioner", label: __("Practitioner"), fieldtype: "Link", options: "Healthcare Practitioner" },
		{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company" },
		{
			fieldname: "group_by",
			label: __("Rows per"),
			fieldtype: "Select",
			options: ["Campaign", "Campaign and cycle"],
			default: "Campaign",
		},
	],
};
