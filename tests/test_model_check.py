"""Model.check: every fault of a request against a service model, with option, offset and suggestion.

Tables per fault kind against Microsoft Graph v1.0, TripPin and the Outlook REST v2.0 model; the
good tables pin that valid requests give no fault (URL Conventions 4.01 §4, §5; CSDL 4.01 §6–§8).
"""

from __future__ import annotations

import pytest

import odatakit
from odatakit.csdl import ModelError

GOOD = [
    ("graph", "me/messages?$filter=subject eq 'x' and isRead eq false&$select=subject,from&$orderby=receivedDateTime desc"),
    ("graph", "me/messages?$expand=attachments($select=name,size;$filter=size gt 1000;$orderby=name)&$top=5"),
    ("graph", "me/messages?$filter=receivedDateTime ge 2016-01-01T00:00:00Z and importance eq 'high'"),
    ("graph", "me/messages?$filter=from/emailAddress/address eq 'a@b.c' and toRecipients/any(r:r/emailAddress/name eq 'x')"),
    ("graph", "users('x')/events?$filter=start/dateTime ge '2017-01-01' and isAllDay&$orderby=start/dateTime"),
    ("graph", "me/events?$filter=importance eq microsoft.graph.importance'high'&$expand=extensions"),
    ("graph", "me/contacts('c1')/extensions/microsoft.graph.openTypeExtension?$filter=dealValue gt 100"),
    ("graph", "me/mailFolders('inbox')/childFolders?$expand=childFolders($levels=2)"),
    ("graph", "me/messages/$count"),
    ("graph", "me/messages('m1')/microsoft.graph.eventMessage?$select=meetingMessageType"),
    ("graph", "users?$filter=startswith(displayName,'a') and accountEnabled&$count=true"),
    ("trippin", "People?$filter=Age gt 18 and Gender eq Trippin.PersonGender'Female'&$orderby=LastName,FirstName desc"),
    ("trippin", "People?$filter=FavoriteFeature has Trippin.Feature'Feature1' and Emails/any(e:endswith(e,'.com'))"),
    ("trippin", "People?$expand=Friends($levels=max;$select=UserName),Trips($expand=PlanItems($select=StartsAt))"),
    ("trippin", "People?$filter=Trips/any(t:t/PlanItems/any(p:isof(p,Trippin.Flight)))&$select=Trippin.Employee/Cost"),
    ("trippin", "People?$filter=Age in (18,21,30) and length(FirstName) gt 2 and Age add 1 mul 2 lt 100"),
    ("trippin", "People('russell')/Trips(1)/PlanItems?$filter=StartsAt add duration'P1D' lt EndsAt"),
    ("trippin", "People('russell')/Trippin.GetFavoriteAirline()?$select=Name"),
    ("trippin", "People?$filter=HomeAddress/City/Name eq 'Seattle' and HomeAddress/Flavor eq 'dynamic'"),
    ("trippin", "People?$compute=Age add 1 as NextAge&$filter=NextAge gt 20&$orderby=NextAge"),
    ("trippin", "People?$filter=isof(Trippin.Manager) and isof(BestFriend,Trippin.Employee)"),
    ("trippin", "Airports?$filter=geo.distance(Location/Loc,geography'SRID=4326;Point(1 2)') lt 10"),
    ("trippin", "Me/Friends?$filter=@a eq Age&@a=30"),
    ("outlook", "me/messages?$filter=Subject eq 'x' and Importance eq Microsoft.OutlookServices.Importance'High'"),
    ("outlook", "me/events?$filter=Start/DateTime ge '2017-01-01'&$select=Subject,Start,Attendees&$top=10"),
    ("outlook", "me/contacts('x')/extensions?$filter=Id eq 'Com.Contoso.Referral'"),
    ("outlook", "me/contacts('x')/extensions/Microsoft.OutlookServices.OpenTypeExtension?$filter=CompanyName eq 'x'"),
    ("outlook", "me/events?$filter=Recurrence/DaysOfWeek has Microsoft.OutlookServices.DayOfWeek'Monday,Friday'"),
    ("outlook", "me/mailfolders('inbox')/childfolders?$expand=ChildFolders($levels=3),Messages($top=1)"),
    ("outlook", "https://outlook.office.com/api/v2.0/me/messages?$filter=HasAttachments and IsRead eq false"),
]


@pytest.mark.parametrize("which, url", GOOD)
def test_valid_requests_have_no_faults(request, which, url):
    model = request.getfixturevalue(f"{which}_model")
    assert [str(f) for f in model.check(url)] == []


#: (model, url, option, code, offset, message part, suggestion)
BAD = [
    # unknown names, with the closest name as the suggestion
    ("graph", "me/messages?$expand=attachments($select=nme)", "$expand", "unknown-property", 20,
     "microsoft.graph.attachment has no property 'nme'", "name"),
    ("graph", "me/mailFolders?$filter=displayNam eq 'x'", "$filter", "unknown-property", 0,
     "has no property 'displayNam'", "displayName"),
    ("trippin", "People?$select=FirstName,LastNme", "$select", "unknown-property", 10, "no property 'LastNme'", "LastName"),
    ("trippin", "People?$orderby=Agee desc", "$orderby", "unknown-property", 0, "no property 'Agee'", "Age"),
    ("outlook", "me/messages?$filter=Subjet eq 'x'", "$filter", "unknown-property", 0, "no property 'Subjet'", "Subject"),
    # a name the model lets through (open type) but that is one letter off a declared one: a warning
    ("graph", "me/messages?$filter=subjct eq 'x'", "$filter", "likely-typo", 0, "it would be a dynamic property", "subject"),
    # unknown resource, navigation, type cast, function
    ("graph", "me/mesages", "path", "likely-typo", 3, "'mesages' is not declared by microsoft.graph.user", "messages"),
    ("trippin", "Me/Frinds", "path", "unknown-property", 3, "no property 'Frinds'", "Friends"),
    ("trippin", "Peple('x')", "path", "unknown-resource", 0, "no entity set or singleton 'Peple'", "People"),
    ("trippin", "People?$expand=Frends", "$expand", "unknown-property", 0, "no property 'Frends'", "Friends"),
    ("trippin", "People/Trippin.Employe", "path", "unknown-type", 7, "unknown type cast or bound operation", "Trippin.Employee"),
    ("trippin", "People?$filter=isof(Trippin.Employe)", "$filter", "unknown-type", 5, "unknown type 'Trippin.Employe'",
     "Trippin.Employee"),
    ("trippin", "People?$filter=Trippin.Airline/Name eq 'x'", "$filter", "bad-cast", 0,
     "Trippin.Airline does not derive from Trippin.Person", None),
    ("trippin", "People?$filter=Gender eq Trippin.Gender'Male'", "$filter", "unknown-type", 10,
     "unknown enumeration type 'Trippin.Gender'", "Trippin.PersonGender"),
    ("trippin", "People?$filter=Gender eq Trippin.PersonGender'Mal'", "$filter", "unknown-member", 31,
     "has no member 'Mal'", "Male"),
    ("outlook", "me/events?$select=Microsoft.OutlookServices.Forward(Comment)", "$select", "unknown-function", 0,
     "unknown function 'Microsoft.OutlookServices.Forward'", None),
    # literal and operator types
    ("trippin", "People?$filter=Age eq 'x'", "$filter", "type-mismatch", 0, "'eq' cannot compare Edm.Int64 with Edm.String", None),
    ("outlook", "me/messages?$filter=Subject add 1 eq 2", "$filter", "type-mismatch", 0,
     "'add' cannot take Edm.String and Edm.Int32", None),
    ("graph", "me/messages?$filter=subject has microsoft.graph.importance'high'", "$filter", "type-mismatch", 0,
     "'has' needs an enumeration on its left, not Edm.String", None),
    ("trippin", "People?$filter=Age in (1,'a')", "$filter", "type-mismatch", 0, "the list after 'in' mixes types", None),
    ("trippin", "People?$filter=FirstName in (1,2)", "$filter", "type-mismatch", 0, "'in' compares Edm.String", None),
    ("trippin", "People?$filter=contains(Age,'1')", "$filter", "type-mismatch", 9, "contains() takes a string or a collection",
     None),
    ("trippin", "People?$filter=year(FirstName) eq 2000", "$filter", "type-mismatch", 5, "year() takes a date", None),
    ("trippin", "People?$filter=FirstName", "$filter", "type-mismatch", 0, "$filter must be a Boolean expression", None),
    ("trippin", "People?$filter=Age and true", "$filter", "type-mismatch", 0, "an operand of 'and' must be a Boolean", None),
    ("trippin", "People?$filter=Emails eq 'x'", "$filter", "type-mismatch", 0, "'eq' compares single values", None),
    # lambdas and $count over a non-collection, paths through a collection
    ("trippin", "People?$filter=FirstName/any(x:x eq 'a')", "$filter", "not-a-collection", 10,
     "any() needs a collection, but the path before it is Edm.String", None),
    ("graph", "me/messages?$filter=subject/all(s:s eq 'a')", "$filter", "not-a-collection", 8, "all() needs a collection", None),
    ("trippin", "People?$filter=BestFriend/$count gt 1", "$filter", "not-a-collection", 11, "$count needs a collection", None),
    ("trippin", "People?$filter=Friends/Age gt 1", "$filter", "collection-path", 8, "'Age' is read from a collection", None),
    # $expand of a non-navigation, nested options against the target
    ("trippin", "People?$expand=FirstName", "$expand", "not-a-navigation", 0,
     "$expand needs a navigation property, but 'FirstName' is a structural property", None),
    ("graph", "me/events?$expand=subject", "$expand", "not-a-navigation", 0, "'subject' is a structural property", None),
    ("trippin", "People?$expand=Trips($filter=Age gt 1)", "$expand", "unknown-property", 14, "Trippin.Trip has no property 'Age'",
     None),
    ("trippin", "People?$expand=Trips($expand=PlanItems($select=Seat))", "$expand", "unknown-property", 32,
     "Trippin.PlanItem has no property 'Seat'", None),
    # $orderby of a non-sortable path
    ("trippin", "People?$orderby=Emails", "$orderby", "not-sortable", 0, "needs a single primitive value", None),
    ("trippin", "People?$orderby=HomeAddress", "$orderby", "not-sortable", 0, "not Trippin.Location", None),
    ("trippin", "Airlines?$orderby=Name", "$orderby", "not-sortable", 0, "'Name' is not sortable on Airlines", None),
    # $levels on a non-recursive navigation
    ("trippin", "People?$expand=Trips($levels=2)", "$expand", "not-recursive", 0,
     "$levels needs a recursive navigation, but 'Trips' leads from Trippin.Person to Trippin.Trip", None),
    ("outlook", "me/messages?$expand=Attachments($levels=max)", "$expand", "not-recursive", 0, "'Attachments'", None),
    # keys: type and arity
    ("trippin", "People('russell')/Trips('x')", "path", "bad-key", 18, "the key 'TripId' of Trippin.Trip is Edm.Int32", None),
    ("trippin", "People(UserName='a',Age=1)", "path", "bad-key", 0, "has a key of 1 part (UserName), not 2", None),
    ("trippin", "People(Name='a')", "path", "bad-key", 7, "'Name' is not a key property of Trippin.Person", None),
    ("trippin", "Me('x')", "path", "bad-key", 0, "Me is a singleton: it takes no key", None),
    # a bound function or action applied to the wrong type
    ("trippin", "People('a')/Trippin.GetInvolvedPeople()", "path", "wrong-binding", 12,
     "Trippin.GetInvolvedPeople is bound to Trippin.Trip, not to Trippin.Person", None),
    ("trippin", "People/Trippin.GetFavoriteAirline()", "path", "wrong-binding", 7,
     "bound to Trippin.Person, not to Collection(Trippin.Person)", None),
    ("outlook", "me/messages('m')/Microsoft.OutlookServices.Accept", "path", "wrong-binding", 17,
     "bound to Microsoft.OutlookServices.Event, not to Microsoft.OutlookServices.Message", None),
    # syntax errors are faults too, at their offset
    ("trippin", "People?$filter=Age eq", "query", "syntax", 14, "", None),
]


@pytest.mark.parametrize("which, url, option, code, offset, message, suggestion", BAD)
def test_each_fault_kind_is_reported_where_it_is(request, which, url, option, code, offset, message, suggestion):
    model = request.getfixturevalue(f"{which}_model")
    faults = model.check(url)
    assert len(faults) == 1, [str(f) for f in faults]
    (fault,) = faults
    assert (fault.option, fault.code, fault.offset) == (option, code, offset), str(fault)
    assert message in fault.message
    assert fault.suggestion == suggestion


def test_all_faults_are_returned_not_just_the_first(trippin_model):
    faults = trippin_model.check(
        "People?$filter=Agee gt 1 and FirstName add 1 eq 2&$select=Emials&$expand=FirstName&$orderby=Emails")
    assert [(f.option, f.code) for f in faults] == [
        ("$filter", "unknown-property"), ("$filter", "type-mismatch"), ("$select", "unknown-property"),
        ("$expand", "not-a-navigation"), ("$orderby", "not-sortable")]


def test_a_fault_prints_with_a_caret_under_its_offset(trippin_model):
    (fault,) = trippin_model.check("People?$filter=Age gt 1 and Agge lt 3")
    assert str(fault).splitlines() == [
        "$filter at offset 13: Trippin.Person has no property 'Agge' (did you mean 'Age'?)",
        "  Age gt 1 and Agge lt 3",
        "               ^",
    ]


def test_check_takes_a_query_tree_or_a_url_with_a_resource(trippin_model):
    query = odatakit.parse_query("$filter=Agee gt 1")
    by_tree = trippin_model.check(query, resource="People")
    by_text = trippin_model.check("$filter=Agee gt 1", resource="People")
    by_url = trippin_model.check(odatakit.parse_url("People?$filter=Agee gt 1"))
    assert [(f.option, f.code, f.offset) for f in by_tree] == [(f.option, f.code, f.offset) for f in by_text] \
        == [(f.option, f.code, f.offset) for f in by_url] == [("$filter", "unknown-property", 0)]


def test_dynamic_properties_of_open_types_are_accepted(graph_model, outlook_model):
    assert graph_model.check("me/contacts('c')/extensions/microsoft.graph.openTypeExtension?"
                             "$filter=companyName eq 'Wingtip' and dealValue gt 500&$orderby=expirationDate") == []
    assert outlook_model.check("me/messages('m')/extensions/Microsoft.OutlookServices.OpenTypeExtension?"
                               "$filter=ReferenceNumber eq 5") == []


def test_a_query_without_a_resource_says_so(trippin_model):
    (fault,) = trippin_model.check("$filter=Age gt 1")
    assert fault.code == "no-resource"


def test_resolve_raises_a_model_error_for_a_bad_path(trippin_model):
    with pytest.raises(ModelError, match="no property 'Frinds'"):
        trippin_model.resolve("People('x')/Frinds")
