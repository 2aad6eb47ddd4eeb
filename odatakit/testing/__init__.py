"""Tools for testing other OData clients and servers: Hypothesis strategies (public as
``odatakit.strategies``) and differential helpers."""
