"""Store: the DuckDB database (tables, views, migrations), read-only queries and exports."""
