"""The store: the one door to the history database, SQLite in the data folder or PostgreSQL.

`engine.py` makes one engine per process and database (`open_store`, `engine_for`), `tables.py` describes
every table once, `migrations/` brings any database up to date at start (Alembic; `legacy.py` finishes a
SQLite file from before it), `door.py` is the base of every repository (`Database`: reads, write
transactions, inserts, compare-and-set), and `ids.py` and `times.py` make ids and times as rows keep them.
Nothing above this floor writes SQL text; repositories sit with their subjects and build statements here.
"""
