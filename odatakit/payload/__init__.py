"""JSON payloads: payload → typed values → payload.

``decode`` reads JSON (exactly: no float touches an Int64 or a Decimal) into ``values``; ``encode``
writes them back with exactly the annotations the JSON format requires; ``validate`` reports every
fault with its JSON path; ``extensions`` knows open type extensions (Outlook and Graph).
"""
