"""Run one Athena (Trino) statement on local Parquet files through DuckDB, for the test that
checks tally's Athena SQL against a real SQL engine (tests/it/athena_sql.rs).

    athena_duckdb.py DATABASE TABLE FILES_JSON < statement.sql

The statement is parsed in Athena's dialect (Trino) by sqlglot and written as DuckDB SQL;
`DATABASE.TABLE` becomes a view over the Parquet files, FILES_JSON a list of
[path, {partition column: value}] (e.g. [["p/2026-11.parquet", {"billing_period": "2026-11"}]]),
each file's partition values as constant text columns, the way Athena shows partitions. Prints {"columns": [...], "rows": [[...]]} with
every cell as text (NULL as null), as Athena's GetQueryResults does.
"""
import json
import sys

import duckdb
import sqlglot

database, table, files = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
sql = sys.stdin.read()
duck_sql = sqlglot.transpile(sql, read="trino", write="duckdb")[0]

con = duckdb.connect()
# Athena works in UTC; DuckDB's TIMESTAMPTZ functions follow the session time zone.
con.execute("SET TimeZone = 'UTC'")
con.execute(f'CREATE SCHEMA "{database}"')
parts = []
for path, partitions in files:
    extra = "".join(f", '{v}' AS \"{k}\"" for k, v in partitions.items())
    parts.append(f"SELECT *{extra} FROM read_parquet('{path}')")
con.execute(f'CREATE VIEW "{database}"."{table}" AS ' + " UNION ALL BY NAME ".join(parts))
cur = con.execute(duck_sql)
columns = [d[0] for d in cur.description]
rows = [[None if v is None else str(v) for v in row] for row in cur.fetchall()]
json.dump({"columns": columns, "rows": rows, "duckdb_sql": duck_sql}, sys.stdout)
