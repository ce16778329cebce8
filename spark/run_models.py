"""Run taizhang's SQL models on Apache Spark, over the lake.

The national roll-out past one machine: the lake (Parquet, in object storage)
is read through its manifests (lake/_manifests/<table>.txt: the committed
parts only), the shipped DuckDB models are translated to Spark SQL with sqlglot
plus the few fixes below, and each model becomes a temporary view in model
order. The settings tables the build derives from roster.csv and taizhang.toml
(raw_roster, raw_config, raw_config_expect, raw_config_weights) are small:
export them once with `taizhang query "select * from raw_roster" --out
raw_roster.parquet` and so on.

    python run_models.py LAKE_DIR SETTINGS_DIR SQL_DIR mart_task_completion ...

prints each named mart's rows as JSON. Tested (tests/it/engines.rs) for the
submission coverage and task completion marts: Spark's figures equal DuckDB's.
"""

import json
import os
import re
import sys

import sqlglot

# What sqlglot's duckdb → spark translation leaves that Spark does not have.
FIXES = [
    # DuckDB's microseconds since the epoch.
    ("EPOCH_US(", "UNIX_MICROS("),
    # DuckDB's len(list) comes out as LENGTH, which Spark keeps for strings.
    ("LENGTH(tasks.responsible_units)", "SIZE(tasks.responsible_units)"),
]
REGEX_FIXES = [
    # regexp_full_match(x, 'p') is an anchored match.
    (r"REGEXP_FULL_MATCH\(([^,()]+), '([^']*)'\)", r"(\1 RLIKE '^(?:\2)$')"),
]

# The models the coverage and completion marts stand on, in build order.
MODELS = [
    "staging/stg_config",
    "staging/stg_config_expect",
    "staging/stg_roster",
    "staging/stg_submissions",
    "staging/stg_tasks",
    "intermediate/int_periods",
    "intermediate/int_scope_units",
    "intermediate/int_expected_submissions",
    "intermediate/int_task_facts",
    "marts/mart_task_completion",
    "marts/mart_submission_coverage",
]


def to_spark(sql):
    """One DuckDB model as Spark SQL."""
    out = sqlglot.transpile(sql, read="duckdb", write="spark")[0]
    for a, b in FIXES:
        out = out.replace(a, b)
    for a, b in REGEX_FIXES:
        out = re.sub(a, b, out)
    return out


def load_lake(spark, lake):
    """Each lake table as raw_<table>, from the parts its manifest lists."""
    manifests = os.path.join(lake, "_manifests")
    for name in sorted(os.listdir(manifests)):
        table = name[: -len(".txt")]
        with open(os.path.join(manifests, name)) as f:
            parts = [os.path.join(lake, p) for p in f.read().split()]
        spark.read.option("mergeSchema", "true").parquet(*parts).createOrReplaceTempView("raw_" + table)


def load_settings(spark, settings):
    for name in sorted(os.listdir(settings)):
        if name.endswith(".parquet"):
            spark.read.parquet(os.path.join(settings, name)).createOrReplaceTempView(name[: -len(".parquet")])


def run_models(spark, sql_dir, models=MODELS):
    for model in models:
        with open(os.path.join(sql_dir, model + ".sql")) as f:
            sql = to_spark(f.read())
        spark.sql(f"create or replace temp view {os.path.basename(model)} as {sql}")


def session():
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[1]")
        .appName("taizhang-models")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def rows(spark, mart):
    """A mart's rows, every value as text (None for NULL), sorted."""
    df = spark.sql(f"select * from {mart}")
    out = [[None if v is None else str(v) for v in r] for r in df.collect()]
    return {"columns": df.columns, "rows": sorted(out, key=lambda r: [x or "" for x in r])}


if __name__ == "__main__":
    lake, settings, sql_dir, *marts = sys.argv[1:]
    spark = session()
    load_lake(spark, lake)
    load_settings(spark, settings)
    run_models(spark, sql_dir)
    print(json.dumps({m: rows(spark, m) for m in marts}))
    spark.stop()
