-- Every finding that cites a cell names the submission that cell is in: the portal's trace of an
-- alert opens that submission's workbook with the cell marked. A source_ref is
-- <file_name>!<sheet>!<cell> and the file name is the submission's. Returns the findings whose
-- submission_id is missing or names another file.
with alerts as (
    select * from mart_alerts
    where source_ref is not null
),

files as (
    select distinct submission_id, file_name
    from stg_submissions
)

select
    alerts.period,
    alerts.scope_code,
    alerts.alert,
    alerts.source_ref,
    alerts.submission_id
from alerts
left join files
    on files.submission_id = alerts.submission_id
where files.file_name is null
    or not starts_with(alerts.source_ref, files.file_name || '!')
