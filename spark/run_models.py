r"""Run every taizhang SQL model on Apache Spark, over the lake.

The national roll-out past one machine: the lake (Parquet, in object storage)
is read through its manifests (lake/_manifests/<table>.txt: the committed
parts only); the shipped DuckDB models (sql/staging, intermediate, marts,
reports) are found on disk, ordered as the Rust build orders them
(src/warehouse/models.rs), translated to Spark SQL by sqlglot plus the fixes
in FIXES below, and run; then every data test (sql/tests) is run and its
failing rows counted. Nothing here names a model: a new .sql file under sql/
is picked up, ordered and translated like the rest.

The settings tables the build derives from roster.csv and taizhang.toml are
small: export them once, with the column list of every raw table (so a kind
the lake holds no rows of yet still has its table, empty, and a column older
parts lack comes back as NULL, as DuckDB's build does):

    for t in raw_roster raw_config raw_config_expect raw_config_weights \
             raw_config_department_weights raw_config_deductions raw_clock; do
        taizhang query "select * from $t" --out settings/$t.parquet
    done

(raw_clock is the time a warehouse's figures are as of — which quarters were
due; left out, the run is as of now.)
    taizhang query "select table_name, column_name, data_type
                    from information_schema.columns
                    where table_name like 'raw_%' order by table_name, ordinal_position" \
        --out settings/raw_columns.parquet

Then

    spark-submit run_models.py LAKE SETTINGS SQL_DIR [TABLE ...]

(or plain `python`, in local mode) builds every model, prints each named
table's rows as JSON on stdout, the data tests on stderr, and exits 1 when a
data test finds failing rows (as `taizhang build` does). `python
run_models.py --fixes` prints the fixes.
"""

import json
import os
import re
import sys
from dataclasses import dataclass

import sqlglot
from sqlglot import exp, transforms

# The layers in build order; tests run last, each on its own.
LAYERS = ("staging", "intermediate", "marts", "reports", "tests")

# The lake tables' rows each carry the id DuckDB calls rowid (see load_lake).
ROWID = "rowid"


# ---------------------------------------------------------------------------
# The models, found and ordered as src/warehouse/models.rs does.


@dataclass
class Model:
    layer: str
    name: str
    sql: str

    @property
    def is_view(self):
        """Staging always, and any model whose header says `-- materialized: view`."""
        if self.layer == "staging":
            return True
        header = []
        for line in self.sql.splitlines():
            if not line.startswith("--"):
                break
            header.append(line.strip())
        return "-- materialized: view" in header


def discover(sql_dir):
    """Every model under SQL_DIR/<layer>/*.sql."""
    models = []
    for layer in LAYERS:
        folder = os.path.join(sql_dir, layer)
        for name in sorted(os.listdir(folder)):
            if name.endswith(".sql"):
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    models.append(Model(layer, name[: -len(".sql")], f.read()))
    return models


def mentions(sql, name):
    """Whether `sql` mentions `name` as a whole word (models.rs `mentions`)."""
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", sql) is not None


def ordered(models):
    """The models in run order, tests left out: layer by layer; within a
    layer, by name, each after the models of its layer its SQL mentions
    (models.rs `ordered`)."""
    out = []
    for layer in LAYERS[:-1]:
        pending = sorted((m for m in models if m.layer == layer), key=lambda m: m.name)
        names = {m.name for m in pending}
        done = set()
        while pending:
            ready = next(
                (
                    m
                    for m in pending
                    if all(o == m.name or o in done or not mentions(m.sql, o) for o in names)
                ),
                None,
            )
            if ready is None:
                raise ValueError("circular references between models: " + ", ".join(m.name for m in pending))
            pending.remove(ready)
            done.add(ready.name)
            out.append(ready)
    return out


def tests(models):
    return sorted((m for m in models if m.layer == "tests"), key=lambda m: m.name)


# ---------------------------------------------------------------------------
# Translation: sqlglot's duckdb → spark, plus the fixes below.
#
# Every difference between the two engines the shipped models meet is one
# entry of FIXES, with why. A fix works either on the model's text before
# sqlglot reads it ("text": for syntax sqlglot cannot parse) or on sqlglot's
# tree ("tree"), where it may ask Spark about the tables already built (the
# columns behind a `*`); a few are how the runner loads and builds ("run").
# A construct no fix covers and Spark refuses fails the model's build,
# naming it, rather than giving different rows; sqlglot is told to raise on
# anything it cannot translate.


@dataclass
class Fix:
    name: str
    why: str
    stage: str  # "text", "tree", or "run" (done by the runner, named here to be in one place)
    apply: object  # text: f(sql) -> sql; tree: f(tree, catalog) -> tree; run: where it is done


class Unsupported(Exception):
    """A DuckDB construct with no faithful Spark translation here."""


def strip_comments(sql):
    """The SQL without its -- comments (outside string literals), so the text
    fixes never rewrite prose."""
    out, i, n = [], 0, len(sql)
    while i < n:
        c = sql[i]
        if c == "'":
            j = i + 1
            while j < n:
                if sql[j] == "'" and (j + 1 >= n or sql[j + 1] != "'"):
                    break
                j += 2 if sql[j] == "'" else 1
            out.append(sql[i : j + 1])
            i = j + 1
        elif sql.startswith("--", i):
            while i < n and sql[i] != "\n":
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def closing_paren(sql, at):
    """The index of the parenthesis closing the one at `at`."""
    depth = 0
    for i in range(at, len(sql)):
        if sql[i] == "(":
            depth += 1
        elif sql[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    raise Unsupported("unbalanced parentheses")


def unpivot_statements(sql):
    """DuckDB's `unpivot (Q) on C into name N value V` (or `unpivot T on …`)
    as the standard `select * from (Q) unpivot (V for N in (C))`; the
    standard form is left as it is."""
    head = re.compile(r"\bunpivot\s+(\(|[A-Za-z_][A-Za-z0-9_]*\s+on\b)", re.I)
    tail = re.compile(r"\s*on\s+(.+?)\s+into\s+name\s+(\w+)\s+value\s+(\w+)", re.I | re.S)
    at = 0
    while m := head.search(sql, at):
        if m.group(1) == "(":
            end = closing_paren(sql, m.end() - 1)
            source, rest = sql[m.end() - 1 : end + 1], end + 1
        else:
            source = m.group(1).split()[0]
            rest = m.start(1) + len(source)
        t = tail.match(sql, rest)
        if t is None:
            # The standard form, `… from t unpivot (v for n in (…))`: Spark's own.
            at = m.end()
            continue
        columns, name, value = t.groups()
        standard = f"select * from {source} unpivot ({value} for {name} in ({columns}))"
        sql = sql[: m.start()] + standard + sql[t.end() :]
        at = m.start() + len(standard)
    return sql


def len_of_lists(sql):
    return re.sub(r"\blen\s*\(", "array_length(", sql, flags=re.I)


def template(spark_sql, **parts):
    """A Spark SQL expression whose placeholder columns are replaced by trees."""
    tree = sqlglot.parse_one(spark_sql, read="spark")
    for column in list(tree.find_all(exp.Column)):
        if column.name in parts and not column.table:
            column.replace(parts[column.name].copy())
    return tree


def drop_not_materialized(tree, catalog):
    for cte in tree.find_all(exp.CTE):
        if cte.args.get("materialized") is not None:
            cte.set("materialized", None)
    return tree


def sources(select):
    """A select's FROM and JOIN sources, by the name they go by in it."""
    found = []
    if select.args.get("from_"):
        found.append(select.args["from_"].this)
    found += [j.this for j in select.args.get("joins") or []]
    return {s.alias_or_name: s for s in found}


def lake_table(source, catalog):
    return isinstance(source, exp.Table) and source.name in catalog.with_rowid


def add_except(star, name):
    excluded = list(star.args.get("except_") or [])
    if name not in [e.name for e in excluded]:
        star.set("except_", excluded + [exp.column(name)])


def stars_leave_out_rowid(tree, catalog):
    for select in tree.find_all(exp.Select):
        named = sources(select)
        for projection in select.expressions:
            if isinstance(projection, exp.Star):
                if any(lake_table(s, catalog) for s in named.values()):
                    if len(named) > 1:
                        raise Unsupported("an unqualified * over a lake table and a join")
                    add_except(projection, ROWID)
            elif isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star):
                if lake_table(named.get(projection.table), catalog):
                    add_except(projection.this, ROWID)
    return tree


def expand_columns(tree, catalog):
    # In a select list: one item per column of the one source table.
    for select in list(tree.find_all(exp.Select)):
        if not any(p.find(exp.Columns) for p in select.expressions):
            continue
        named = sources(select)
        if len(named) != 1 or not isinstance(next(iter(named.values())), exp.Table):
            raise Unsupported("COLUMNS(*) over anything but one table")
        table = next(iter(named.values())).name
        items = []
        for projection in select.expressions:
            found = projection.find(exp.Columns)
            if found is None:
                items.append(projection)
                continue
            excluded = {e.name for e in found.this.args.get("except_") or []} | {ROWID}
            for column in catalog.columns(table):
                if column not in excluded:
                    item = projection.copy()
                    item.find(exp.Columns).replace(exp.column(column))
                    items.append(exp.alias_(item.unalias() if isinstance(item, exp.Alias) else item, column))
        select.set("expressions", items)
    # In UNPIVOT … IN (COLUMNS(*)): the columns of the unpivoted subquery.
    for pivot in tree.find_all(exp.Pivot):
        for field in pivot.args.get("fields") or []:
            found = [e for e in field.expressions if isinstance(e, exp.Columns)]
            if not found:
                continue
            source = pivot.parent
            if not isinstance(source, exp.Subquery) or not isinstance(source.this, exp.Select):
                raise Unsupported("COLUMNS(*) in an UNPIVOT of anything but a subquery")
            excluded = {e.name for e in found[0].this.args.get("except_") or []}
            field.set(
                "expressions",
                [exp.column(c) for c in source.this.named_selects if c not in excluded],
            )
    return tree


def union_by_name(tree, catalog):
    def fix(node):
        if not (isinstance(node, exp.Union) and node.args.get("by_name")):
            return node
        left = catalog.columns_of(node.this, node)
        right = catalog.columns_of(node.expression, node)
        names = left + [c for c in right if c not in left]

        def aligned(side, has):
            if has == names:
                return side
            items = [exp.column(c) if c in has else exp.alias_(exp.Null(), c) for c in names]
            return exp.select(*items).from_(exp.Subquery(this=side, alias=exp.TableAlias(this=exp.to_identifier("_by_name"))))

        node.set("this", aligned(node.this, left))
        node.set("expression", aligned(node.expression, right))
        node.set("by_name", None)
        return node

    return tree.transform(fix, copy=False)


def qualify_as_subquery(tree, catalog):
    def fix(node):
        if not (isinstance(node, exp.Select) and node.args.get("qualify")):
            return node
        condition = exp.Paren(this=node.args["qualify"].this)
        node.set("qualify", None)
        helpers, made = [], set()

        def helper(e):
            helpers.append(exp.alias_(e.copy(), f"_q{len(helpers)}"))
            column = exp.column(helpers[-1].alias)
            made.add(id(column))
            return column

        # A window is computed in the select it belongs to; so is a column
        # the outer filter could not see (one of a joined table, or not
        # selected). A selected name stays a name.
        for window in list(condition.find_all(exp.Window)):
            window.replace(helper(window))
        for column in list(condition.find_all(exp.Column)):
            if id(column) not in made and (column.table or column.name not in node.named_selects):
                column.replace(helper(column))
        for h in helpers:
            node.append("expressions", h)
        star = exp.Star(except_=[exp.column(h.alias) for h in helpers])
        return (
            exp.select(star)
            .from_(exp.Subquery(this=node, alias=exp.TableAlias(this=exp.to_identifier("_qualified"))))
            .where(condition.this)
        )

    return tree.transform(fix, copy=False)


def sorted_structs(order, value):
    """collect_list of (key is null, key, …, value) structs, sorted: the
    group's values in ORDER BY order, NULL keys last, NULL values kept (a
    struct is never NULL, so collect_list keeps it)."""
    items = []
    for i, key in enumerate(order.expressions if order is not None else []):
        if key.args.get("desc") or key.args.get("nulls_first"):
            raise Unsupported("an ordered aggregate with DESC or NULLS FIRST")
        items += [exp.Literal.string(f"n{i}"), exp.Is(this=key.this.copy(), expression=exp.Null())]
        items += [exp.Literal.string(f"k{i}"), key.this.copy()]
    items += [exp.Literal.string("v"), value.copy()]
    return template("array_sort(collect_list(_struct))", _struct=exp.Anonymous(this="named_struct", expressions=items))


def ordered_aggregates(tree, catalog):
    def fix(node):
        if isinstance(node, exp.ArrayAgg):
            order = node.this if isinstance(node.this, exp.Order) else None
            value = order.this if order is not None else node.this
            return template("transform(_sorted, _s -> _s.v)", _sorted=sorted_structs(order, value))
        if isinstance(node, exp.Sum) and isinstance(node.this, exp.Order):
            values = template(
                "filter(transform(_sorted, _s -> _s.v), _v -> _v is not null)",
                _sorted=sorted_structs(node.this, node.this.this),
            )
            return template(
                "case when size(_vs) = 0 then null "
                "else aggregate(slice(_vs, 2, size(_vs)), element_at(_vs, 1), (_acc, _v) -> _acc + _v) end",
                _vs=values,
            )
        if isinstance(node, exp.AggFunc) and isinstance(node.this, exp.Order):
            raise Unsupported(f"{node.key} with ORDER BY")
        return node

    return tree.transform(fix, copy=False)


def list_functions(tree, catalog):
    def fix(node):
        if isinstance(node, exp.Anonymous) and node.name.lower() == "list_count":
            return template("size(filter(_x, _e -> _e is not null))", _x=node.expressions[0])
        if isinstance(node, exp.ArrayDistinct):
            return template("array_distinct(filter(_x, _e -> _e is not null))", _x=node.this)
        return node

    return tree.transform(fix, copy=False)


def anchored(pattern):
    """Whether a literal pattern matches only at the start of the text (^,
    no | outside parentheses): it matches at most once, so replacing the
    first match and replacing every match are the same."""
    if not pattern.is_string or not pattern.this.startswith("^"):
        return False
    depth, i, text = 0, 0, pattern.this
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 1
        elif c == "[":
            i = text.index("]", i + 2)
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            return False
        i += 1
    return True


def regexps(tree, catalog):
    def fix(node):
        if isinstance(node, exp.RegexpFullMatch):
            if not node.expression.is_string:
                raise Unsupported("regexp_full_match with a pattern that is not a literal")
            pattern = exp.Literal.string("^(?:" + node.expression.this + r")\z")
            return exp.RegexpLike(this=node.this, expression=pattern)
        if isinstance(node, exp.RegexpReplace):
            modifiers = node.args.get("modifiers")
            if (modifiers is None or modifiers.this != "g") and not anchored(node.expression):
                raise Unsupported("regexp_replace without 'g' (the first match only) of a pattern not anchored by ^")
            node.set("modifiers", None)
            return node
        if isinstance(node, exp.Anonymous) and node.name.lower() == "regexp_split_to_array":
            return template("split(_x, _p, -1)", _x=node.expressions[0], _p=node.expressions[1])
        return node

    return tree.transform(fix, copy=False)


def formats(tree, catalog):
    def fix(node):
        if isinstance(node, exp.Format):
            m = re.fullmatch(r"\{:\.(\d+)f\}", node.this.this if node.this.is_string else "")
            if m is None or len(node.expressions) != 1:
                raise Unsupported("format() other than '{:.Nf}' of one number")
            digits = int(m.group(1))
            pattern = "0." + "0" * digits if digits else "0"
            return template("format_number(_x, _p)", _x=node.expressions[0], _p=exp.Literal.string(pattern))
        return node

    return tree.transform(fix, copy=False)


def epoch_us(tree, catalog):
    def fix(node):
        if isinstance(node, exp.Anonymous) and node.name.lower() == "epoch_us":
            return template("unix_micros(_x)", _x=node.expressions[0])
        return node

    return tree.transform(fix, copy=False)


def string_slices(tree, catalog):
    def fix(node):
        if (
            isinstance(node, exp.Bracket)
            and len(node.expressions) == 1
            and isinstance(node.expressions[0], exp.Slice)
        ):
            s = node.expressions[0]
            return template("substring(_x, _a, (_b) - (_a) + 1)", _x=node.this, _a=s.this, _b=s.expression)
        return node

    return tree.transform(fix, copy=False)


def nested_unnest(tree, catalog):
    for select in list(tree.find_all(exp.Select)):
        nested = [
            e
            for p in select.expressions
            for e in p.find_all(exp.Explode)
            if e is not p and e is not p.unalias()
        ]
        if not nested:
            continue
        if len(nested) > 1 or any(
            e is p or e is p.unalias() for p in select.expressions for e in p.find_all(exp.Explode)
        ):
            raise Unsupported("more than one unnest in a select, one of them inside an expression")
        explode = nested[0]
        alias = exp.TableAlias(this=exp.to_identifier("_unnest"), columns=[exp.to_identifier("_unnested")])
        select.append("laterals", exp.Lateral(this=explode.copy(), view=True, outer=False, alias=alias))
        explode.replace(exp.column("_unnested", table="_unnest"))
    return tree


def row_number_over_nothing(tree, catalog):
    for window in list(tree.find_all(exp.Window)):
        if (
            not isinstance(window.this, exp.RowNumber)
            or window.args.get("partition_by")
            or window.args.get("order")
            or window.args.get("alias")  # a named window: WINDOW w AS (…)
        ):
            continue
        select = window.find_ancestor(exp.Select)
        named = sources(select)
        keys = []
        for p in select.expressions:
            if p.find(exp.Window) is window:
                continue
            star = p if isinstance(p, exp.Star) else p.this if isinstance(p, exp.Column) and isinstance(p.this, exp.Star) else None
            if star is None:
                keys.append(p.unalias().copy())
                continue
            tables = [p.table] if p is not star else list(named)
            for name in tables:
                source = named.get(name)
                if not isinstance(source, exp.Table):
                    raise Unsupported("row_number() over () beside a * of a subquery")
                keys += [exp.column(c, table=name) for c in catalog.columns(source.name)]
        window.set("order", exp.Order(expressions=[exp.Ordered(this=k, nulls_first=False) for k in keys]))
    return tree


def range_tables(tree, catalog):
    def fix(node):
        if isinstance(node, exp.Table) and isinstance(node.this, exp.GenerateSeries):
            series = node.this
            if not series.args.get("is_end_exclusive") or series.args.get("step"):
                raise Unsupported("generate_series (end inclusive) or a step as a table")
            return exp.Table(
                this=exp.Anonymous(this="range", expressions=[series.args["start"], series.args["end"]]),
                alias=node.args.get("alias"),
            )
        return node

    return tree.transform(fix, copy=False)


# Every fix, in the order it is applied: what DuckDB has, why Spark needs the
# fix and what it becomes. `python run_models.py --fixes` prints this table.
FIXES = [
    Fix(
        "rowid",
        "DuckDB's hidden row number of a table, which mart_ledger_changes uses to find a changed "
        "row's texts again. Spark has none: load_lake gives each lake row a `rowid` column, the "
        "part's path and the row's index in it (text, unique, the same at every read).",
        "run",
        "load_lake",
    ),
    Fix(
        "a raw table's columns",
        "DuckDB's build creates each raw table with the lake schema's columns and inserts the parts "
        "by name, so a column older parts lack is NULL, and a kind no ledger has sent yet is an "
        "empty table. load_lake does the same from raw_columns (the columns DuckDB declared).",
        "run",
        "load_lake",
    ),
    Fix(
        "a CTE read more than once",
        "DuckDB 2.0 computes it once (unless `not materialized`); Spark inlines it at every use, "
        "which ran the driver out of memory analysing mart_ledger_changes. steps() computes such "
        "a CTE once as a view of its own, as a DuckDB table is computed once (localCheckpoint).",
        "run",
        "steps, build",
    ),
    Fix(
        "division by zero, failed casts, overflow",
        "Errors in DuckDB; NULL in Spark's legacy mode. The session runs in ANSI mode, so they stop "
        "the build here too instead of changing a figure (DuckDB's x / 0.0 is inf: no model may "
        "rely on it, and under ANSI mode one that did would fail).",
        "run",
        "session",
    ),
    Fix(
        "unpivot (Q) on C into name N value V",
        "DuckDB's simplified UNPIVOT, which sqlglot cannot read as an operand of UNION and Spark "
        "does not have: written as the standard `select * from (Q) unpivot (V for N in (C))`, which "
        "both engines know and which drops NULL values as DuckDB's does.",
        "text",
        unpivot_statements,
    ),
    Fix(
        "len(list)",
        "sqlglot reads DuckDB's len() as LENGTH, which Spark keeps for strings; the models write "
        "len() for lists and length() for strings, so len() becomes array_length() (Spark's size(), "
        "NULL for a NULL list under ANSI mode, as DuckDB's len).",
        "text",
        len_of_lists,
    ),
    Fix(
        "with x as not materialized (…)",
        "A hint to DuckDB's planner (inline the CTE): steps() keeps such a CTE inline; then "
        "dropped, as Spark cannot parse it.",
        "tree",
        drop_not_materialized,
    ),
    Fix(
        "columns(* exclude (…))",
        "DuckDB's star expression (one item per column, named after it), which Spark lacks: "
        "expanded to the columns, asking Spark for the source table's columns; in an UNPIVOT's "
        "IN list, to the unpivoted subquery's columns.",
        "tree",
        expand_columns,
    ),
    Fix(
        "* over a lake table",
        "DuckDB's rowid is a hidden column, never in a *; on Spark the lake tables carry it as a "
        "real column (load_lake), so a * over one becomes * except (rowid).",
        "tree",
        stars_leave_out_rowid,
    ),
    Fix(
        "… qualify cond",
        "Spark has no QUALIFY, and sqlglot's rewrite leaves a qualified column (older.period) the "
        "outer filter cannot see and its window column in a `select *`: the select gains the "
        "condition's windows and outside columns as _q0, _q1…, and `select * except (_q…) from "
        "(it) where cond` filters on them.",
        "tree",
        qualify_as_subquery,
    ),
    Fix(
        "sum(x order by k), list(x order by k), list(x)",
        "Spark's aggregates take no ORDER BY, and collect_list drops NULLs and keeps no order. "
        "(key is null, key, …, x) structs are collected and sorted (NULL keys last, as DuckDB), "
        "then listed, or summed left to right: the scorecard sums in a fixed order so a score's "
        "last digit, and so its rank among equal scores, does not hang on the plan.",
        "tree",
        ordered_aggregates,
    ),
    Fix(
        "list_count(l), list_distinct(l)",
        "Spark has no list_count (elements that are not NULL), and its array_distinct keeps a "
        "NULL that DuckDB's list_distinct drops: both written with filter(l, e -> e is not null).",
        "tree",
        list_functions,
    ),
    Fix(
        "regexp_full_match, regexp_replace(…, 'g'), regexp_split_to_array",
        "Spark has no regexp_full_match: an RLIKE anchored with ^(?:…)\\z. Spark's regexp_replace "
        "replaces every match, DuckDB's only the first unless 'g': 'g' is dropped, and a call "
        "without it is refused unless its pattern is anchored by ^ (one match at most). regexp_split_to_array is Spark's split(x, p, -1), which keeps "
        "empty pieces as DuckDB does. (Patterns are RE2 in DuckDB and java.util.regex in Spark; "
        "the models' classes [0-9], \\s, \\p{P} and \\p{S} are the same in both, save that Java's "
        "\\s also takes a vertical tab.)",
        "tree",
        regexps,
    ),
    Fix(
        "format('{:.Nf}', x)",
        "sqlglot makes it format_string('{:.Nf}', …), which prints the pattern; Java's %.Nf would "
        "round ties up where DuckDB's fmt rounds the exact binary value half to even (87.125 → "
        "87.12). format_number(x, '0.00…') is java.text.DecimalFormat, HALF_EVEN on the exact "
        "value: the same text. Other format() patterns are refused.",
        "tree",
        formats,
    ),
    Fix(
        "epoch_us(t)",
        "DuckDB's microseconds since the epoch; Spark's is unix_micros.",
        "tree",
        epoch_us,
    ),
    Fix(
        "s[a : b]",
        "DuckDB's slice of a string (1-based, both ends included), which Spark lacks: "
        "substring(s, a, b - a + 1).",
        "tree",
        string_slices,
    ),
    Fix(
        "f(unnest(l)) in a select list",
        "Spark takes a generator (explode) only as a whole select item: the unnest becomes a "
        "LATERAL VIEW and the item reads its column. The view is applied before WHERE, which "
        "DuckDB applies before unnesting; the same rows, since a WHERE cannot read the "
        "unnested value.",
        "tree",
        nested_unnest,
    ),
    Fix(
        "row_number() over ()",
        "DuckDB numbers the rows in no particular order; Spark wants an ORDER BY, and inlines a CTE "
        "at every use, so an arbitrary numbering could differ between two uses joined on it: the "
        "rows are numbered in the order of every other item of the select (rows equal in all of "
        "them are interchangeable).",
        "tree",
        row_number_over_nothing,
    ),
    Fix(
        "range(a, b) as q (n) in FROM",
        "sqlglot writes DuckDB's range table as EXPLODE(SEQUENCE(…)) in a join, which Spark refuses; "
        "Spark's own range(a, b) table is the same rows (a to b - 1).",
        "tree",
        range_tables,
    ),
    Fix(
        "union [all] by name",
        "Spark's UNION matches columns by position: each side is asked of Spark for its columns "
        "and selected in the order DuckDB gives (the left's, then those only on the right), a "
        "column missing on one side as NULL.",
        "tree",
        union_by_name,
    ),
]


def parse(sql):
    """A model's DuckDB SQL, text fixes applied, as sqlglot's tree (DuckDB's
    dialect still)."""
    text = strip_comments(sql).strip().rstrip(";")
    for fix in FIXES:
        if fix.stage == "text":
            text = fix.apply(text)
    return sqlglot.parse_one(text, read="duckdb")


def generate(tree, catalog):
    """A tree, tree fixes applied, as Spark SQL."""
    for fix in FIXES:
        if fix.stage == "tree":
            tree = fix.apply(tree, catalog)
    return tree.sql(dialect="spark", unsupported_level=sqlglot.ErrorLevel.RAISE)


def to_spark(sql, catalog=None):
    """One DuckDB query as one Spark SQL query, its CTEs inlined."""
    return generate(parse(sql), catalog or Catalog(None))


def references(tree, name):
    return [t for t in tree.find_all(exp.Table) if t.name == name and not t.args.get("db")]


def steps(name, sql, catalog):
    """A model as Spark SQL in steps: (view, sql) for each CTE DuckDB
    materializes, then (None, sql) for the model. The caller runs each step
    and registers its view before asking for the next (a later step's fixes
    may ask Spark about it).

    DuckDB 2.0 computes a CTE read more than once a single time, unless it
    says `not materialized` (the models' comments rely on it: see
    assert_parents_equal_sum_of_parts.sql); Spark inlines every CTE at every
    use, which for the ledger-changes mart (CTEs read by CTEs read by CTEs)
    made a plan that ran the driver out of memory while being analysed. So
    such a CTE (or one that says `as materialized`) is computed once here
    too, as a view of its own (<model>__<cte>), which the model reads. The
    rows are the same either way: this is the plan, not the meaning."""
    tree = parse(sql)
    with_ = tree.args.get("with_")
    if with_ is not None:
        kept = []
        for cte in list(with_.expressions):
            # Earlier CTEs cannot read a later one: every reference is a use.
            uses = references(tree, cte.alias)
            hint = cte.args.get("materialized")
            if hint is False or (hint is None and len(uses) < 2):
                kept.append(cte)
                continue
            view = f"{name}__{cte.alias}"
            body = cte.this.copy()
            own = body.args["with_"].expressions if body.args.get("with_") else []
            if kept or own:
                body.set("with_", exp.With(expressions=[c.copy() for c in kept] + own))
            yield view, generate(body, catalog)
            for table in uses:
                table.set("this", exp.to_identifier(view))
                if not table.alias:
                    table.set("alias", exp.TableAlias(this=exp.to_identifier(cte.alias)))
            cte.pop()
        if not kept:
            tree.set("with_", None)
    yield None, generate(tree, catalog)


class Catalog:
    """What the tree fixes may ask of the tables built so far."""

    def __init__(self, spark, with_rowid=()):
        self.spark = spark
        self.with_rowid = set(with_rowid)

    def columns(self, table):
        if self.spark is None:
            raise Unsupported(f"the columns of {table} without a Spark session")
        return self.spark.table(table).columns

    def columns_of(self, query, at):
        """The columns `query` (a node of a model's tree) gives, with the CTEs
        visible from `at`."""
        ctes = list(at.args["with_"].expressions) if at.args.get("with_") else []
        child, parent = at, at.parent
        while parent is not None:
            if isinstance(parent, exp.With):
                i = next(i for i, c in enumerate(parent.expressions) if c is child)
                ctes = list(parent.expressions[:i]) + ctes
            elif parent.args.get("with_") is not None and parent.args["with_"] is not child:
                ctes = list(parent.args["with_"].expressions) + ctes
            child, parent = parent, parent.parent
        probe = exp.select("*").from_(exp.Subquery(this=query.copy(), alias=exp.TableAlias(this=exp.to_identifier("_probe"))))
        if ctes:
            probe.set("with_", exp.With(expressions=[c.copy() for c in ctes]))
        if self.spark is None:
            raise Unsupported("the columns of a UNION BY NAME without a Spark session")
        return self.spark.sql(probe.sql(dialect="spark")).columns


# ---------------------------------------------------------------------------
# The tables the models read.


def spark_type(duckdb_type):
    return exp.DataType.build(duckdb_type, dialect="duckdb").sql(dialect="spark")


def read_columns(spark, settings):
    """{raw table: [(column, Spark type)]} from SETTINGS/raw_columns.parquet."""
    path = os.path.join(settings, "raw_columns.parquet")
    if not os.path.exists(path):
        return {}
    declared = {}
    for table, column, data_type in spark.read.parquet(path).collect():
        declared.setdefault(table, []).append((column, spark_type(data_type)))
    return declared


def load_settings(spark, settings):
    """Each SETTINGS/<table>.parquet as <table> (raw_columns is read by load_lake).
    raw_clock, the time the figures are as of (what was due by then), is the
    build's: export it to reproduce a warehouse's figures; without it, now."""
    loaded = []
    for name in sorted(os.listdir(settings)):
        table = name[: -len(".parquet")]
        if name.endswith(".parquet") and table != "raw_columns":
            spark.read.parquet(os.path.join(settings, name)).createOrReplaceTempView(table)
            loaded.append(table)
    if "raw_clock" not in loaded:
        spark.sql("select current_timestamp() as as_of").createOrReplaceTempView("raw_clock")
        loaded.append("raw_clock")
    return loaded


def load_lake(spark, lake, settings=None):
    """Each lake table as raw_<table>, from the parts its manifest lists, with
    the columns raw_columns declares (one missing from every part is NULL, as
    in DuckDB's `insert … by name`), and a raw table declared but not in the
    lake, empty. Each row carries `rowid`: DuckDB's hidden row number, which
    the models use to find a row again; here the part's path and the row's
    index in it (a text, unique and the same at every read). Returns the raw
    tables made."""
    from pyspark.sql import functions as F

    declared = read_columns(spark, settings) if settings else {}
    made = []
    manifests = os.path.join(lake, "_manifests")
    for name in sorted(os.listdir(manifests)):
        table = "raw_" + name[: -len(".txt")]
        with open(os.path.join(manifests, name)) as f:
            parts = [os.path.join(lake, p) for p in f.read().split()]
        df = spark.read.option("mergeSchema", "true").parquet(*parts)
        rowid = F.concat_ws(":", F.col("_metadata.file_path"), F.col("_metadata.row_index").cast("string"))
        if table in declared:
            have = set(df.columns)
            columns = [
                (F.col(c) if c in have else F.lit(None)).cast(t).alias(c) for c, t in declared[table]
            ]
        else:
            columns = [F.col(c) for c in df.columns]
        df.select(*columns, rowid.alias(ROWID)).createOrReplaceTempView(table)
        made.append(table)
    existing = {t.name for t in spark.catalog.listTables()}
    for table, columns in declared.items():
        if table not in made and table not in existing:
            schema = ", ".join(f"`{c}` {t}" for c, t in columns + [(ROWID, "string")])
            spark.createDataFrame([], schema).createOrReplaceTempView(table)
            made.append(table)
    return made


# ---------------------------------------------------------------------------
# The build.


class ModelError(Exception):
    pass


def build(spark, model, catalog):
    """One model as a DataFrame: its materialized CTEs computed and kept
    (localCheckpoint) as views, then the model itself, kept too when DuckDB
    makes it a table (not staging, no `-- materialized: view`). Returns the
    DataFrame and the CTE views made for it."""
    made = []
    try:
        for view, sql in steps(model.name, model.sql, catalog):
            df = spark.sql(sql)
            if view is not None:
                df.localCheckpoint(eager=True).createOrReplaceTempView(view)
                made.append(view)
            elif model.layer != "tests" and not model.is_view:
                df = df.localCheckpoint(eager=True)
    except Exception as e:
        raise ModelError(f"{model.layer}/{model.name}: {e}") from e
    return df, made


def run_models(spark, sql_dir, lake_tables=()):
    """Builds every model of SQL_DIR in order, then runs every data test.
    Returns {"models": [name, …], "tests": {name: failing rows}}."""
    models = discover(sql_dir)
    catalog = Catalog(spark, lake_tables)
    built = []
    for model in ordered(models):
        df, views = build(spark, model, catalog)
        df.createOrReplaceTempView(model.name)
        built.append(model.name)
        # A view model reads its CTEs' views at every use; a table is done with them.
        if not model.is_view:
            for view in views:
                spark.catalog.dropTempView(view)
    failing = {}
    for test in tests(models):
        df, views = build(spark, test, catalog)
        failing[test.name] = df.count()
        for view in views:
            spark.catalog.dropTempView(view)
    return {"models": built, "tests": failing}


def session(master=None, shuffle_partitions=None):
    """A Spark session for the models. Without `master`, spark-submit's
    --master (a cluster), or all local cores from plain python; the tests
    pass local[2] and one shuffle partition, as their data is small."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("taizhang-models")
    if master:
        builder = builder.master(master)
    if shuffle_partitions:
        builder = builder.config("spark.sql.shuffle.partitions", str(shuffle_partitions))
    spark = (
        builder.config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        # Dates are the models' business; timestamps print in UTC, as the lake stores them.
        .config("spark.sql.session.timeZone", "UTC")
        # A division by zero, a failed cast or an overflow stops the build, as in DuckDB,
        # rather than becoming NULL (Spark's legacy mode).
        .config("spark.sql.ansi.enabled", "true")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


# ---------------------------------------------------------------------------
# Comparing a table between engines.


def canonical(df):
    """The table as text, column by column, the same for the same rows
    whichever engine computed them: every number as a double printed with 12
    significant digits (%.11e; -0 as 0), so an integer is the same as the
    same value in a double or a decimal, and two sums of the same doubles
    added in another order (last-bit differences, ~1e-16 relative) agree;
    dates and timestamps (UTC) as ISO text; lists and structs as JSON;
    NULL stays NULL."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import ArrayType, BooleanType, MapType, NumericType, StructType

    out = []
    for field in df.schema.fields:
        c = F.col(f"`{field.name}`")
        if isinstance(field.dataType, BooleanType):
            text = c.cast("string")
        elif isinstance(field.dataType, NumericType):
            text = F.format_string("%.11e", c.cast("double") + F.lit(0.0))
        elif isinstance(field.dataType, (ArrayType, StructType, MapType)):
            text = F.to_json(c)
        else:
            text = c.cast("string")
        out.append(F.when(c.isNull(), None).otherwise(text).alias(field.name))
    return df.select(*out)


def digest(df):
    """(rows, hash): the row count and an order-independent hash of the
    canonical rows (the sum of each row's xxhash64, as a decimal)."""
    from pyspark.sql import functions as F

    rows = F.to_json(F.array(*[F.col(f"`{c}`") for c in df.columns]))
    n, h = (
        canonical(df)
        .select(F.count(F.lit(1)), F.sum(F.xxhash64(rows).cast("decimal(20,0)")))
        .collect()[0]
    )
    return n, str(h or 0)


def main(argv):
    if argv[1:] == ["--fixes"]:
        for fix in FIXES:
            print(f"{fix.name}  [{fix.stage}]\n    {fix.why}\n")
        return 0
    lake, settings, sql_dir, *tables = argv[1:]
    spark = session()
    load_settings(spark, settings)
    made = load_lake(spark, lake, settings)
    result = run_models(spark, sql_dir, made)
    out = {}
    for table in tables:
        df = spark.table(table)
        out[table] = {"columns": df.columns, "rows": [[None if v is None else str(v) for v in r] for r in df.collect()]}
    print(json.dumps(out, ensure_ascii=False))
    for name, n in result["tests"].items():
        print(f"{'pass' if n == 0 else 'FAIL'} {name} {n}", file=sys.stderr)
    spark.stop()
    return 0 if all(n == 0 for n in result["tests"].values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
