-- The tables and views whose rows the golden digests cover: the raw tables
-- (the lake as loaded) and every model; not the run history.
select table_name
from information_schema.tables
where table_schema = 'main'
    and regexp_matches(table_name, '^(raw|stg|int|mart)_')
    and table_name not in ('raw_config')
order by table_name
