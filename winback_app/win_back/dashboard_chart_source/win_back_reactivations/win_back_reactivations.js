frappe.provide("frappe.dashboards.chart_sources");

frappe.dashboards.chart_sources["Win-Back Reactivations"] = {
	method: "winback_app.win_back.dashboard_chart_source.win_back_reactivations.win_back_reactivations.get",
	filters: [],
};
