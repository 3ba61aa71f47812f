frappe.provide("frappe.dashboards.chart_sources");

frappe.dashboards.chart_sources["Win-Back Funnel"] = {
	method: "winback_app.win_back.dashboard_chart_source.win_back_funnel.win_back_funnel.get",
	filters: [],
};
