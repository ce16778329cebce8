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
