#!/usr/bin/env bash
# Digests of every raw table and model of two workspaces that BIN builds: the
# province sample (every kind, 204 units, one quarter) and a national sample
# quarter (its first UNITS units; all of them when UNITS is 0). Written as
# `scale,table,row_count,rows_md5` lines to OUT.
#
#   tests/golden/digests.sh target/debug/taizhang tests/golden/digests.csv [UNITS]
#
# tests/golden/digests.csv was first written by the code before issue 17's
# restructuring (commit 8108c4c), and written again by issue 19, which changed
# figures on purpose (new columns of int_plan_facts, int_rectification_facts,
# their marts and stg_config; new alerts; the ledger-change models): only
# those tables' digests changed then, every raw table kept its own. It was
# written a third time when `taizhang sample` began to carry a unit's rows
# over from quarter to quarter (issue 19): the sample workbooks themselves
# changed, so every table holding their rows moved (raw_*, stg_*, int_*,
# mart_*), and only the roster and config tables kept their digests. Then the
# lake tables of tasks, rectifications, plans and pilots gained the row keys
# computed at ingest (title_key, title_repeats, is_numbered): raw_ and stg_ of
# those four moved, every int_ and mart_ table kept its digest. Then
# int_task_facts gained `domain` (so the by-domain report joins no task row
# back to its ledger): int_task_facts alone moved. Then (issue 20) every
# sample workbook gained a meetings and a publicity sheet, and some a cases
# sheet: the workbooks' bytes, so every submission_id, changed, and with them
# the digests of every raw_, stg_ and int_ table that carries one; the new
# kinds' tables and the compliance marts are new; raw_config gained the
# [compliance] minimums and raw_config_weights three 0 weights; mart_scorecard
# gained three indicator columns. Every other mart kept its digest: no figure
# of the first wave moved. Then (issue 20) the default roster gained 36
# provincial departments and the default [expect] expects their task ledgers:
# the province sample writes a workbook for each (so every province-scale
# raw_, stg_, int_ and mart_ table moved — new rows; the regions' own rows of
# every mart were compared before and after and are identical, but for the
# last digits of composite_score, which is now summed in a fixed order), and
# some county tasks name a provincial department as lead. At the national
# scale (no departments) only the settings tables moved (raw_config_expect,
# stg_config_expect, stg_config_weights now per level, the new
# raw_config_department_weights), the new mart_department_gaps is empty, and
# mart_scorecard moved in those last digits only. Then (issue 33, 督察) the
# inspections kind and its models are new (raw_/stg_inspections,
# int_inspections, int_inspection_plans, int_inspection_years,
# int_year_scope_units, mart_inspections); rectifications gained notice_no,
# notice_on, milestones and last_report_on, mart_rectification
# milestones_missed, stg_config notice_days; and every sample workbook now
# lists its unit's plans (督察评估时间 = the inspection's day, titles and
# issue days drawn anew) and the items of the notices it was sent, and a
# city's or a department's the quarter's inspections too: the bytes, so every
# submission_id, changed again, so every raw_, stg_ and int_ table holding
# their rows moved (the roster, config and scope tables did not; the ledger
# pairs are empty with one quarter), as did
# mart_plan_supervision, mart_rectification and mart_alerts (the plans and
# items are new; the new alerts). Every other mart kept its digest:
# coverage, completion, ownership, pilots, satisfaction, the compliance marts,
# the scorecard, ledger changes and department gaps. Then (issue 34, the
# annual assessment) the office's kinds and their models are new (raw_/stg_
# deductions, exemptions, accountability, assignments, raw_/stg_config_
# deductions, int_office_listings, int_exempted_rows, int_assessment_quarters,
# int_assessment_units, mart_assessment_deductions, mart_annual_assessment,
# mart_exemptions); the file was rewritten with them, and with the listing
# models of issue 35 it had not yet listed (int_meeting_listings,
# int_publicity_listings, int_case_listings). What moved, on purpose: raw_ and
# stg_plans (the new review_planned_on column, NULL in the samples), raw_ and
# stg_roster (the new category column, NULL), stg_config (name_bottom,
# name_if_deductions_at_least, deductions_cap), int_task_facts and
# int_rectification_facts (the new exempted column, false everywhere: the
# samples have no exemptions), int_plan_facts and mart_plan_supervision (the
# plan-review schedule columns, 0 and false). Every other table, every
# mart_alerts row and every other mart kept its digest. Then (issue 35, an
# alert's trace downloads its workbook) mart_alerts gained submission_id: its
# digest moved at both scales, the same row counts, and its rows without that
# column keep the digests before (checked with `select * exclude
# (submission_id) from mart_alerts`); the file was rewritten, and with it the
# annual models it had not yet listed (int_assignments,
# mart_assignment_docking, mart_leaders). Every other table kept its digest.
# The test
# `golden::the_restructured_code_builds_the_same_lake_and_marts` runs the same
# steps with the code of today and compares. A change that means to change
# figures rewrites the file and says which tables moved and why. Run ids, run records and receipt-free times are not in them:
# the samples carry received.csv, and `runs`/`test_results` are left out.
set -euo pipefail
bin=$(realpath "$1")
out=$2
units=${3:-120}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for scale in province national; do
    data=$work/$scale-data
    ws=$work/$scale-ws
    args=(--seed 7 --scale "$scale")
    if [ "$scale" = national ]; then
        args+=(--quarters 1)
        if [ "$units" != 0 ]; then args+=(--units "$units"); fi
    fi
    "$bin" sample --out "$data" "${args[@]}" >/dev/null
    "$bin" --workspace "$ws" init >/dev/null
    cp "$data/roster.csv" "$ws/roster.csv"
    "$bin" --workspace "$ws" ingest "$data" >/dev/null || [ $? -eq 1 ]
    "$bin" --workspace "$ws" build >/dev/null || [ $? -eq 1 ]
    # The SQL files' comment lines are left out: a query may not start with "--".
    tables=$("$bin" --workspace "$ws" query "$(grep -v '^--' "$here/tables.sql")" --format csv | tail -n +2)
    for t in $tables; do
        digest=$("$bin" --workspace "$ws" query "$(grep -v '^--' "$here/digest.sql" | sed "s/{table}/$t/g")" --format csv | tail -n +2)
        echo "$scale,$t,$digest"
    done
done > "$out"
