"""Who reads a reply (engine/routing.py): routes by category, users and roles, and the fallbacks."""

from winback_app.engine import replies as r
from winback_app.engine import routing
from winback_app.engine.routing import Route, default_routes, describe, roles_for, route

ROUTES = [
	Route(r.URGENT_CATEGORY, role="Physician"),
	Route(r.CLINICAL_CATEGORY, role="Physician"),
	Route(r.CLINICAL_CATEGORY, user="nurse@example.com"),
	Route(r.BILLING_CATEGORY, role="Accounts User"),
	Route(r.COMPLAINT_CATEGORY, user="manager@example.com"),
]
ROLE_USERS = {"Physician": ["dr.a@example.com", "dr.b@example.com"], "Accounts User": ["books@example.com"]}
DESK = ["desk@example.com"]
MANAGERS = ["manager@example.com"]


def routed(category, routes=ROUTES, role_users=ROLE_USERS, desk=DESK, managers=MANAGERS, enabled=None):
	return route(
		category,
		routes,
		role_users=role_users,
		enabled_users=enabled,
		front_desk=desk,
		managers=managers,
	)


def test_each_category_reaches_its_route():
	assert routed(r.BILLING_CATEGORY).users == ("books@example.com",)
	assert routed(r.COMPLAINT_CATEGORY).users == ("manager@example.com",)
	clinical = routed(r.CLINICAL_CATEGORY)
	assert clinical.users == ("dr.a@example.com", "dr.b@example.com", "nurse@example.com")
	assert clinical.via == routing.VIA_ROUTE
	assert describe(clinical) == "Route: Physician"


def test_urgent_reaches_its_route_and_the_front_desk():
	urgent = routed(r.URGENT_CATEGORY)
	assert urgent.users == ("desk@example.com", "dr.a@example.com", "dr.b@example.com")
	assert urgent.via == routing.VIA_ROUTE


def test_a_category_without_a_row_goes_to_the_front_desk():
	for category in (r.QUESTION_CATEGORY, r.OTHER_CATEGORY, r.BOOKING, r.LEAVING_CATEGORY):
		result = routed(category)
		assert (result.users, result.via) == (tuple(DESK), routing.VIA_FRONT_DESK)
		assert describe(result) == "Front desk"


def test_a_role_nobody_holds_falls_back_and_says_so():
	result = routed(r.BILLING_CATEGORY, role_users={})
	assert result.users == tuple(DESK)
	assert describe(result) == "Front desk (nobody holds Accounts User)"


def test_a_disabled_user_is_skipped():
	result = routed(r.COMPLAINT_CATEGORY, enabled={"desk@example.com"})
	assert (result.users, result.via) == (tuple(DESK), routing.VIA_FRONT_DESK)


def test_fallbacks_end_with_managers_then_administrator():
	assert routed(r.QUESTION_CATEGORY, desk=[]).users == tuple(MANAGERS)
	assert routed(r.QUESTION_CATEGORY, desk=[]).via == routing.VIA_MANAGERS
	last = routed(r.QUESTION_CATEGORY, desk=[], managers=[])
	assert (last.users, last.via) == (("Administrator",), routing.VIA_ADMINISTRATOR)
	# nobody at all, even for urgent: still somebody
	assert routed(r.URGENT_CATEGORY, role_users={}, desk=[], managers=[]).users == ("Administrator",)


def test_an_empty_row_routes_nowhere_and_never_to_everyone():
	result = routed(r.OTHER_CATEGORY, routes=[Route(r.OTHER_CATEGORY)])
	assert result.users == tuple(DESK)


def test_roles_for_and_defaults():
	assert roles_for(r.CLINICAL_CATEGORY, ROUTES) == ("Physician",)
	assert roles_for(r.HELP_CATEGORY, ROUTES) == ()
	seeded = default_routes({"Physician", "Nursing User", "Accounts User", "System Manager"})
	assert {(x.category, x.role) for x in seeded} == {
		(r.URGENT_CATEGORY, "Physician"),
		(r.URGENT_CATEGORY, "Nursing User"),
		(r.CLINICAL_CATEGORY, "Physician"),
		(r.CLINICAL_CATEGORY, "Nursing User"),
		(r.BILLING_CATEGORY, "Accounts User"),
	}
	# a site without healthcare's roles seeds only what it has
	assert default_routes({"Accounts User"}) == [Route(r.BILLING_CATEGORY, role="Accounts User")]
	assert all(category in r.CATEGORIES for category, _role in routing.DEFAULT_ROUTES)
