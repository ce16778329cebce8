-- What psql's \d commands and drivers' metadata queries read from pg_catalog
-- that DuckDB's own pg_catalog lacks. Temporary objects of each endpoint
-- connection (a read-only database takes them); statements reach them because
-- the endpoint drops the `pg_catalog.` qualifier (sql.rs, `rewrite`), and an
-- unqualified name is looked up in the temporary schema first. Everything
-- missing is empty: the warehouse has no inheritance, policies, triggers,
-- rules, publications or extended statistics.
create or replace temp macro pg_get_userbyid(id) as 'taizhang';
create or replace temp macro pg_get_indexdef(id) as '', (id, col, pretty) as '';
create or replace temp macro pg_get_expr(node, relation) as null::varchar,
    (node, relation, pretty) as null::varchar;
create or replace temp macro pg_get_constraintdef(id) as null::varchar,
    (id, pretty) as null::varchar;
create or replace temp macro pg_get_partkeydef(id) as null::varchar;
create or replace temp macro pg_get_triggerdef(id, pretty) as '';
create or replace temp macro pg_get_ruledef(id, pretty) as '';
create or replace temp macro pg_get_statisticsobjdef_columns(id) as '';
create or replace temp macro pg_encoding_to_char(id) as 'UTF8';
create or replace temp macro pg_relation_is_publishable(id) as false;
create or replace temp macro array_upper(a, dimension) as len(a);
create or replace temp macro pg_get_function_result(id) as null::varchar;
create or replace temp macro pg_get_function_arguments(id) as null::varchar;
create or replace temp view pg_class as
    select *, false as relforcerowsecurity from pg_catalog.pg_class;
create or replace temp view pg_roles as
    select 10::bigint as oid, 'taizhang' as rolname, false as rolsuper, false as rolinherit,
           false as rolcreaterole, false as rolcreatedb, true as rolcanlogin,
           false as rolreplication, -1 as rolconnlimit, null::timestamp as rolvaliduntil,
           false as rolbypassrls, null::varchar[] as rolconfig;
create or replace temp view pg_inherits as
    select null::bigint as inhrelid, null::bigint as inhparent, null::integer as inhseqno,
           false as inhdetachpending
    where false;
create or replace temp view pg_policy as
    select null::bigint as oid, null::varchar as polname, null::bigint as polrelid,
           null::varchar as polcmd, true as polpermissive, null::bigint[] as polroles,
           null::varchar as polqual, null::varchar as polwithcheck
    where false;
create or replace temp view pg_statistic_ext as
    select null::bigint as oid, null::bigint as stxrelid, null::varchar as stxname,
           null::bigint as stxnamespace, null::bigint as stxowner, null::integer as stxstattarget,
           null::smallint[] as stxkeys, null::varchar[] as stxkind, null::varchar as stxexprs
    where false;
create or replace temp view pg_publication as
    select null::bigint as oid, null::varchar as pubname, null::bigint as pubowner,
           false as puballtables, false as pubinsert, false as pubupdate, false as pubdelete,
           false as pubtruncate, false as pubviaroot
    where false;
create or replace temp view pg_publication_rel as
    select null::bigint as oid, null::bigint as prpubid, null::bigint as prrelid,
           null::varchar as prqual, null::smallint[] as prattrs
    where false;
create or replace temp view pg_publication_namespace as
    select null::bigint as oid, null::bigint as pnpubid, null::bigint as pnnspid
    where false;
create or replace temp view pg_trigger as
    select null::bigint as oid, null::bigint as tgrelid, null::bigint as tgparentid,
           null::varchar as tgname, null::bigint as tgfoid, null::smallint as tgtype,
           null::varchar as tgenabled, false as tgisinternal, null::bigint as tgconstraint
    where false;
create or replace temp view pg_rewrite as
    select null::bigint as oid, null::varchar as rulename, null::bigint as ev_class,
           null::varchar as ev_type, null::varchar as ev_enabled, false as is_instead
    where false;
create or replace temp view pg_partitioned_table as
    select null::bigint as partrelid, null::varchar as partstrat, null::smallint as partnatts
    where false;
create or replace temp view pg_foreign_table as
    select null::bigint as ftrelid, null::bigint as ftserver, null::varchar[] as ftoptions
    where false;
create or replace temp view pg_database as
    select oid, datname, 10::bigint as datdba, 6 as encoding, 'c' as datlocprovider,
           false as datistemplate, true as datallowconn, -1 as datconnlimit,
           'C.UTF-8' as datcollate, 'C.UTF-8' as datctype, null::varchar as daticulocale,
           null::varchar as daticurules, null::varchar[] as datacl
    from pg_catalog.pg_database;
-- Types under PostgreSQL's own oids, which drivers hard-code (pgJDBC maps
-- 701 to DOUBLE, 1043 to VARCHAR): DuckDB's pg_type numbers its types its
-- own way, and a driver's join of pg_attribute to pg_type then loses columns.
-- Their input, output, receive and send functions carry PostgreSQL's names
-- ('-' for none, as PostgreSQL prints a regproc of 0): ADBC's driver knows a
-- type by its receive function, and asks for `typreceive != 0` (which the
-- endpoint reads as `!= '-'`, sql.rs `rewrite`).
create or replace temp view pg_type as
    select t.oid::bigint as oid, t.typname,
           (select oid from pg_catalog.pg_namespace where nspname = 'pg_catalog') as typnamespace,
           10::bigint as typowner, t.typlen::smallint as typlen, t.typbyval, 'b' as typtype,
           t.typcategory, false as typispreferred, true as typisdefined, ',' as typdelim,
           0::bigint as typrelid, '-' as typsubscript, t.typelem::bigint as typelem,
           t.typarray::bigint as typarray, t.io || 'in' as typinput, t.io || 'out' as typoutput,
           t.io || 'recv' as typreceive, t.io || 'send' as typsend, '-' as typmodin,
           '-' as typmodout, '-' as typanalyze, 'i' as typalign, 'p' as typstorage,
           false as typnotnull, 0::bigint as typbasetype, -1 as typtypmod, 0 as typndims,
           0::bigint as typcollation, null::varchar as typdefaultbin,
           null::varchar as typdefault, null::varchar[] as typacl
    from (values
        (16, 'bool', 1, true, 'B', 0, 1000, 'bool'),
        (17, 'bytea', -1, false, 'U', 0, 1001, 'bytea'),
        (20, 'int8', 8, true, 'N', 0, 1016, 'int8'),
        (21, 'int2', 2, true, 'N', 0, 1005, 'int2'),
        (23, 'int4', 4, true, 'N', 0, 1007, 'int4'),
        (25, 'text', -1, false, 'S', 0, 1009, 'text'),
        (114, 'json', -1, false, 'U', 0, 199, 'json_'),
        (700, 'float4', 4, true, 'N', 0, 1021, 'float4'),
        (701, 'float8', 8, true, 'N', 0, 1022, 'float8'),
        (1043, 'varchar', -1, false, 'S', 0, 1015, 'varchar'),
        (1082, 'date', 4, true, 'D', 0, 1182, 'date_'),
        (1083, 'time', 8, true, 'D', 0, 1183, 'time_'),
        (1114, 'timestamp', 8, true, 'D', 0, 1115, 'timestamp_'),
        (1184, 'timestamptz', 8, true, 'D', 0, 1185, 'timestamptz_'),
        (1186, 'interval', 16, false, 'T', 0, 1187, 'interval_'),
        (1700, 'numeric', -1, false, 'N', 0, 1231, 'numeric_'),
        (2950, 'uuid', 16, false, 'U', 0, 2951, 'uuid_'),
        (1009, '_text', -1, false, 'A', 25, 0, 'array_')
    ) t(oid, typname, typlen, typbyval, typcategory, typelem, typarray, io);
-- psycopg looks a type up by name (`to_regtype`), SQLAlchemy's psycopg
-- dialect at connect time for hstore: none of the endpoint's has a name
-- outside pg_type.
create or replace temp macro to_regtype(name) as
    (select min(oid) from pg_type where typname = lower(name));
-- Columns typed by those oids, from DuckDB's own type names (the bundled
-- DuckDB's pg_attribute gives its internal type ids): lists as text[],
-- decimals and 128-bit integers as numeric, anything else PostgreSQL has no
-- type for as text (the endpoint sends such values as text).
create or replace temp macro pg_oid_of_duckdb_type(t) as
    case t
        when 'BOOLEAN' then 16 when 'BLOB' then 17
        when 'BIGINT' then 20 when 'UINTEGER' then 20
        when 'SMALLINT' then 21 when 'TINYINT' then 21 when 'UTINYINT' then 21
        when 'INTEGER' then 23 when 'USMALLINT' then 23
        when 'VARCHAR' then 1043 when 'FLOAT' then 700 when 'DOUBLE' then 701
        when 'DATE' then 1082 when 'TIME' then 1083 when 'TIMESTAMP' then 1114
        when 'TIMESTAMP WITH TIME ZONE' then 1184 when 'INTERVAL' then 1186
        when 'UUID' then 2950 when 'HUGEINT' then 1700 when 'UBIGINT' then 1700
        else case when t like 'DECIMAL%' then 1700 when t like '%[]' then 1009 else 25 end
    end;
create or replace temp view pg_attribute as
    select a.* exclude (atttypid), pg_oid_of_duckdb_type(c.data_type)::bigint as atttypid
    from pg_catalog.pg_attribute a
    join duckdb_columns() c on c.table_oid = a.attrelid and c.column_index = a.attnum;
-- PostgreSQL's names for those oids, as psql's \d prints them.
create or replace temp macro format_type(oid, typmod) as
    case oid
        when 16 then 'boolean' when 17 then 'bytea' when 20 then 'bigint'
        when 21 then 'smallint' when 23 then 'integer' when 25 then 'text'
        when 700 then 'real' when 701 then 'double precision'
        when 1043 then 'character varying' when 1082 then 'date'
        when 1083 then 'time without time zone' when 1114 then 'timestamp without time zone'
        when 1184 then 'timestamp with time zone' when 1186 then 'interval'
        when 1700 then 'numeric' when 2950 then 'uuid' when 114 then 'json'
        when 1009 then 'text[]'
        else 'text'
    end;
-- Tools read the server's kind from version(): PostgreSQL's spelling first.
create or replace temp macro version() as
    'PostgreSQL 16.0 (taizhang, DuckDB ' || (select library_version from pragma_version()) || ')';
create or replace temp macro pg_get_keywords() as table
    select keyword_name as word, 'U' as catcode, keyword_category as catdesc from duckdb_keywords();
-- What SQLAlchemy's reflection reads (the layer under pandas.read_sql_table,
-- Superset's table list and columns): no sequences, operator classes or
-- indexes (a DuckDB warehouse has none a client could use).
create or replace temp macro pg_get_serial_sequence(table_name, column_name) as null::varchar;
create or replace temp view pg_opclass as
    select null::bigint as oid, null::bigint as opcmethod, null::varchar as opcname,
           null::bigint as opcnamespace, null::bigint as opcowner, null::bigint as opcfamily,
           null::bigint as opcintype, false as opcdefault, null::bigint as opckeytype
    where false;
create or replace temp view pg_index as
    select null::bigint as indexrelid, null::bigint as indrelid, null::smallint as indnatts,
           null::smallint as indnkeyatts, false as indisunique, false as indnullsnotdistinct,
           false as indisprimary, false as indisexclusion, false as indimmediate,
           false as indisclustered, false as indisvalid, false as indcheckxmin,
           false as indisready, false as indislive, false as indisreplident,
           null::smallint[] as indkey, null::bigint[] as indcollation,
           null::bigint[] as indclass, null::smallint[] as indoption,
           null::varchar as indexprs, null::varchar as indpred
    where false;
-- SQLAlchemy describes identity columns and collations with
-- json_build_object, in branches no warehouse column takes (DuckDB's own
-- JSON functions are an extension the sandbox does not load).
create or replace temp macro json_build_object(k1, v1, k2, v2) as null::varchar,
    (k1, v1, k2, v2, k3, v3, k4, v4, k5, v5, k6, v6, k7, v7) as null::varchar;
create or replace temp macro pg_collation_is_visible(id) as true;
create or replace temp view pg_collation as
    select null::bigint as oid, null::varchar as collname, null::bigint as collnamespace,
           null::bigint as collowner, null::varchar as collprovider,
           true as collisdeterministic, null::integer as collencoding,
           null::varchar as collcollate, null::varchar as collctype,
           null::varchar as colliculocale, null::varchar as collicurules,
           null::varchar as collversion
    where false;
