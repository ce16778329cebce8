-- One line per table: its row count and the md5 of its rows, each cast to
-- text, in sorted order — equal digests, equal tables, whatever the order
-- the rows were written in. `{table}` is replaced by the table's name.
select
    count(*) as row_count,
    coalesce(md5(string_agg(row_text, chr(10) order by row_text)), '') as rows_md5
from (
    select cast(t as varchar) as row_text
    from {table} as t
)
