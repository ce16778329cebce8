-- Every finding the report and the portal's 预警 page list has a Chinese
-- name: an alert added to mart_alerts without one in rpt_alerts would show
-- its code to a leader. Returns the codes left unnamed.
select distinct alert
from rpt_alerts
where alert_zh = alert
