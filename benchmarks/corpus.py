"""The ``$filter`` corpus the benchmarks parse: Outlook / Microsoft Graph style filters.

Fifty filters of the shapes real clients send: and/or chains, string functions, ``any``/``all``
lambdas (nested too), dates and DateTimeOffsets, ``in`` lists, arithmetic, ``not``, deep
parentheses, one geo function. Every one is valid OData 4.01; the runner checks which ones the
peer parser accepts and times each parser only on strings both accept.
"""

from __future__ import annotations

__all__ = ["FILTERS"]

FILTERS: list[str] = [
    "Id eq 'Com.Contoso.Referral'",
    "Extensions/any(f:f/Id eq 'Com.Contoso.Referral')",
    "receivedDateTime ge 2016-01-01T00:00:00Z",
    "Extensions/any(f:f/Id eq 'Com.Contoso.Referral') and receivedDateTime ge 2016-01-01T00:00:00Z",
    "startswith(Subject,'Re:') and (Importance eq 'High' or From/EmailAddress/Address in ('a@contoso.com','b@contoso.com')) and not IsRead",
    "isRead eq false and importance eq 'high'",
    "from/emailAddress/address eq 'rufus@contoso.com'",
    "contains(subject, 'annual review') or contains(bodyPreview, 'annual review')",
    "startswith(displayName,'Sadie') or startswith(givenName,'Sadie') or startswith(surname,'Sadie')",
    "endswith(mail,'@contoso.com') and accountEnabled eq true",
    "toRecipients/any(r:r/emailAddress/address eq 'dana@contoso.com')",
    "categories/any(c:c eq 'Red category') and hasAttachments eq true",
    "start/dateTime ge '2017-09-01T00:00:00' and end/dateTime le '2017-09-30T23:59:59'",
    "createdDateTime ge 2023-01-01T00:00:00Z and createdDateTime lt 2023-02-01T00:00:00Z",
    "lastModifiedDateTime gt 2024-05-06T10:15:30.123Z",
    "assignedLicenses/any(x:x/skuId eq 6fd2c87f-b296-42f0-b197-1e91e994b900)",
    "userType eq 'Member' and (department eq 'Sales' or department eq 'Marketing' or department eq 'Finance')",
    "department in ('Sales','Marketing','Finance','Legal','HR','Engineering')",
    "id in ('e3b0c442','98fc1c14','9afbf4c8','996fb924','27ae41e4')",
    "tolower(displayName) eq 'contoso team' and not (mailEnabled eq false)",
    "length(subject) gt 20 and indexof(subject,'urgent') ge 0",
    "substring(displayName,0,3) eq 'Con' or trim(jobTitle) eq 'Manager'",
    "concat(concat(givenName,' '),surname) eq 'Dana Swope'",
    "year(birthday) eq 1990 and month(birthday) ge 6",
    "day(createdDateTime) eq 15 and hour(createdDateTime) lt 12",
    "Price mul Quantity gt 1000 and Discount le 0.25",
    "(Price sub Discount) div 2 ge 10.5",
    "Rating add 1 gt 4 or ReviewCount mod 2 eq 0",
    "round(Freight) eq 32 and floor(Weight) lt 10 and ceiling(Volume) gt 2",
    "DealValue ge 500000 and DealValue le 1000000",
    "singleValueExtendedProperties/any(ep:ep/id eq 'String {66f5a359-4659-4830-9070-00047ec6ac6e} Name Color' and ep/value eq 'Green')",
    "attachments/any(a:a/size gt 1048576 and endswith(a/name,'.pdf'))",
    "members/all(m:m/accountEnabled eq true)",
    "events/any(e:e/attendees/any(a:a/emailAddress/address eq 'randi@contoso.com'))",
    "not (isDraft eq true) and parentFolderId ne null",
    "flag/flagStatus eq 'flagged' and flag/dueDateTime/dateTime le '2024-01-01T00:00:00'",
    "importance eq 'high' or importance eq 'normal' or importance eq 'low'",
    "sentDateTime ge 2024-01-01T00:00:00Z and sentDateTime le 2024-12-31T23:59:59Z and from/emailAddress/address ne 'noreply@contoso.com'",
    "Extensions/any(f:f/Id eq 'Microsoft.OutlookServices.OpenTypeExtension.Com.Contoso.Referral') and isRead eq false and hasAttachments eq true",
    "((a eq 1 or b eq 2) and (c eq 3 or d eq 4)) or (e eq 5 and (f eq 6 or (g eq 7 and h eq 8)))",
    "CompanyName eq 'Wingtip Toys' and DealValue gt 10000 and ExpirationDate ge 2015-12-01",
    "birthday eq 1990-06-15 or anniversary eq 2010-09-01",
    "reminderMinutesBeforeStart le 15 and isReminderOn eq true",
    "contains(tolower(subject),'invoice') and receivedDateTime ge 2024-03-01T00:00:00Z",
    "-Balance gt 100 and Balance ne 0",
    "Total div Count lt 3.5e2",
    "responseStatus/response eq 'accepted' and showAs ne 'free'",
    "now() ge start/dateTime",
    "proxyAddresses/any(p:startswith(p,'smtp:')) and mail ne null",
    "geo.distance(Location, geography'SRID=4326;POINT(-122.1 47.6)') lt 10000",
]

#: Whole query strings as Outlook REST / Microsoft Graph clients send them: most of the text is
#: outside ``$filter`` ($select lists, $orderby, $expand with nested options, $search, $top).
QUERIES: list[str] = [
    "$select=subject,from,receivedDateTime,isRead&$filter=receivedDateTime ge 2016-01-01T00:00:00Z&$orderby=receivedDateTime desc&$top=25",
    "$expand=Extensions($filter=Id eq 'Com.Contoso.Referral')&$select=Subject,From,ReceivedDateTime&$top=10",
    "$filter=startswith(displayName,'a')&$count=true&$orderby=displayName&$select=id,displayName,mail,userPrincipalName",
    "$search=\"pizza\"&$select=subject,bodyPreview,from&$top=5",
    "$expand=members($select=id,displayName;$top=50)&$select=id,displayName,description,visibility",
    "$select=id,subject,start,end,location,organizer,attendees&$orderby=start/dateTime&$top=50&$skip=50",
    "$filter=isRead eq false and importance eq 'high'&$select=subject,importance,sender&$orderby=receivedDateTime desc,subject&$top=20",
    "$expand=attachments($select=id,name,size,contentType)&$select=subject,hasAttachments&$filter=hasAttachments eq true",
    "$filter=Extensions/any(f:f/Id eq 'Com.Contoso.Referral')&$expand=Extensions($filter=Id eq 'Com.Contoso.Referral')&$select=Subject",
    "$select=displayName,mail,jobTitle,department,officeLocation&$filter=department eq 'Sales' and accountEnabled eq true&$orderby=displayName&$count=true",
    "$search=\"subject:annual review\" OR \"from:dana\"&$select=subject,from,receivedDateTime",
    "$expand=manager($levels=max;$select=id,displayName)&$select=id,displayName",
]
