"""The query language: text → tree → text.

``grammars/*.lark`` is the specification; ``parser`` turns text into ``tree`` nodes (with the fast
paths ``_fastexpr`` and ``_lalr`` held to the grammar's trees), ``printer`` writes any tree back,
``builder`` makes the same trees from Python, and ``visit`` walks and rewrites them. ``syntax``
holds the tables every stage reads (functions, operators, precedence, options).
"""
