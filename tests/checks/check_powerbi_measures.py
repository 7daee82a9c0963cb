#!/usr/bin/env python3
"""Computes the Power BI model's measures independently over the project's
exported Parquet (DuckDB), with the model's filter semantics, and compares
them with the gold tables.

The model filters a fact through its relationships: a date slicer reaches a
fact through its active date key, or through the key a measure names in
USERELATIONSHIP; gender reaches every fact through patient_key; a payer
reaches encounters, prescriptions and member months through payer_key. Each
measure below is written again here in SQL under those semantics, with the
date role it must use. The check then:

1. ties each definition to the model: the measure exists in the TMDL, its
   DAX names USERELATIONSHIP on exactly the date role expected here, and
   every measure whose description names a gold column is checked here;
2. compares the unfiltered figures with gold_kpis;
3. compares every month with gold_readmissions_monthly (discharge month),
   gold_pmpm_monthly (month, and month x payer) and gold_encounters_monthly;
   every year x payer with gold_utilization_yearly;
4. slices by every gender and every payer: the slices of each count and sum
   add up to the whole (a fact the slicer does not reach would repeat the
   whole in every slice), every rate stays within 0..1, and condition
   prevalence by gender and diagnosis stays at or under 100 %.

Usage: check_powerbi_measures.py PROJECT_DIR. Exits 1 on any difference.
check_powerbi_measures.py PROJECT_DIR --slice gender=F (or payer=NAME)
prints the measures under that one slicer value as JSON instead, for the
end-to-end test that compares them with the app's dashboard."""
import json
import math
import pathlib
import re
import sys

import duckdb
from tmdl import parse_model

project = pathlib.Path(sys.argv[1])
slice_arg = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--slice" else None
data = project / "data"
con = duckdb.connect()
for parquet in sorted(data.glob("*.parquet")):
    con.execute(f"CREATE VIEW {parquet.stem} AS SELECT * FROM read_parquet('{parquet}')")

# name -> (fact, date role column, SQL aggregate, row condition, payer key or None)
BASE = {
    "encounters": ("fact_encounters", "start_date_key", "count(*)", "true", "payer_key"),
    "total_claim_cost": ("fact_encounters", "start_date_key", "sum(total_claim_cost)", "true", "payer_key"),
    "payer_coverage": ("fact_encounters", "start_date_key", "sum(payer_coverage)", "true", "payer_key"),
    "admissions": ("fact_encounters", "start_date_key", "count(*)", "is_stay_admission", "payer_key"),
    "ed_visits": ("fact_encounters", "start_date_key", "count(*)", "encounter_class = 'emergency'", "payer_key"),
    "discharges": (
        "fact_encounters",
        "stay_discharge_date_key",
        "count(*)",
        "is_stay_admission AND stay_discharge_date_key IS NOT NULL",
        "payer_key",
    ),
    "inpatient_days": ("fact_encounters", "stay_discharge_date_key", "sum(stay_days)", "true", "payer_key"),
    "index_stays": ("fact_encounters", "stay_discharge_date_key", "count(*)", "is_hedis_index_stay", "payer_key"),
    "readmissions": ("fact_encounters", "stay_discharge_date_key", "count(*)", "hedis_readmitted_30d", "payer_key"),
    "deaths": (
        "fact_encounters",
        "stay_discharge_date_key",
        "count(*)",
        "stay_died AND stay_discharge_date_key IS NOT NULL",
        "payer_key",
    ),
    "crude_discharges": (
        "fact_encounters",
        "stop_date_key",
        "count(*)",
        "is_readmission_index AND stop_date_key IS NOT NULL",
        "payer_key",
    ),
    "crude_readmissions": ("fact_encounters", "stop_date_key", "count(*)", "readmitted_within_30d", "payer_key"),
    "member_months": ("fact_member_months", "month_key", "count(*)", "true", "payer_key"),
    "pharmacy_paid": ("fact_medications", "start_date_key", "sum(payer_coverage)", "true", "payer_key"),
    "pharmacy_allowed": ("fact_medications", "start_date_key", "sum(total_cost)", "true", "payer_key"),
}


FEW_INDEX_STAYS = 10


def ratio(a, b, scale=1.0):
    return None if not b else a * scale / b


# measure -> (formula over base figures, gold_kpis column, the date role its DAX must name in USERELATIONSHIP)
MEASURES = {
    "Encounter Count": (lambda f: f["encounters"], "encounters", None),
    "Total Claim Cost": (lambda f: f["total_claim_cost"], "total_claim_cost", None),
    "Payer Coverage": (lambda f: f["payer_coverage"], "total_payer_coverage", None),
    "Coverage %": (lambda f: ratio(f["payer_coverage"], f["total_claim_cost"]), "payer_coverage_pct/100", None),
    "Patient Count": (None, None, None),
    "ED Visits": (lambda f: f["ed_visits"], "ed_visits", None),
    "Inpatient Admissions": (lambda f: f["admissions"], "inpatient_admissions", None),
    "Inpatient Discharges": (lambda f: f["discharges"], "inpatient_discharges", "stay_discharge_date_key"),
    "Inpatient Days": (lambda f: f["inpatient_days"], "inpatient_days", "stay_discharge_date_key"),
    "Average Length of Stay": (lambda f: ratio(f["inpatient_days"], f["discharges"]), "alos_days", None),
    "Index Stays": (lambda f: f["index_stays"], "index_stays", "stay_discharge_date_key"),
    "Readmissions 30d": (lambda f: f["readmissions"], "readmissions_30d", "stay_discharge_date_key"),
    "Readmission Rate 30d": (lambda f: ratio(f["readmissions"], f["index_stays"]), "readmission_rate_30d", None),
    # The small-cell rule (docs/metrics.md): no rate for a period of under
    # 10 index stays; no gold column holds it, so the months below compare
    # it with gold's rate and stays.
    "Charted Readmission Rate 30d": (
        lambda f: ratio(f["readmissions"], f["index_stays"]) if f["index_stays"] >= FEW_INDEX_STAYS else None,
        None,
        None,
    ),
    "Crude Readmission Rate 30d": (
        lambda f: ratio(f["crude_readmissions"], f["crude_discharges"]),
        "crude_readmission_rate_30d",
        "stop_date_key",
    ),
    "In-hospital Mortality %": (
        lambda f: ratio(f["deaths"], f["discharges"]),
        "in_hospital_mortality_rate",
        "stay_discharge_date_key",
    ),
    "Member Months": (lambda f: f["member_months"], "member_months", None),
    "Pharmacy Paid": (lambda f: f["pharmacy_paid"], "pharmacy_paid", None),
    "Pharmacy Allowed": (lambda f: f["pharmacy_allowed"], "pharmacy_allowed", None),
    "PMPM Paid": (
        lambda f: ratio(f["payer_coverage"] + f["pharmacy_paid"], f["member_months"]),
        "pmpm_paid",
        None,
    ),
    "PMPM Allowed": (
        lambda f: ratio(f["total_claim_cost"] + f["pharmacy_allowed"], f["member_months"]),
        "pmpm_allowed",
        None,
    ),
    "Admits per 1000": (lambda f: ratio(f["admissions"], f["member_months"], 12000), "admits_per_1000", None),
    "ED Visits per 1000": (lambda f: ratio(f["ed_visits"], f["member_months"], 12000), "ed_per_1000", None),
}
RATES = {
    "Coverage %",
    "Readmission Rate 30d",
    "Crude Readmission Rate 30d",
    "In-hospital Mortality %",
}

failures = []


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=0.006)


def compare(where, table, pairs):
    for label, ours, gold in pairs:
        if not close(ours, gold):
            failures.append(f"{where}: {label} = {ours} in the model, {gold} in {table}")


# 1. The definitions here are the model's.
tables, relationships = parse_model(project)
dax = {m: d for t in tables.values() for m, d in t["measures"].items()}
descriptions = {m: d for t in tables.values() for m, d in t["descriptions"].items()}
for name, (_, _, role) in MEASURES.items():
    if name not in dax:
        failures.append(f"[{name}] is not a measure of the model")
        continue
    named = set(re.findall(r"USERELATIONSHIP\(fact_encounters\[(\w+)\]", dax[name]))
    if named != ({role} if role else set()):
        failures.append(f"[{name}] uses the date role {named or 'active'}, the gold figure uses {role or 'the active one'}")
charted = re.fullmatch(r"IF\(\[Index Stays\] >= (\d+), \[Readmission Rate 30d\]\)", dax.get("Charted Readmission Rate 30d", ""))
if not charted or int(charted.group(1)) != FEW_INDEX_STAYS:
    failures.append(f"[Charted Readmission Rate 30d] is not the rate blanked under {FEW_INDEX_STAYS} index stays")
for name, text in descriptions.items():
    if "gold_kpis." in text and name not in MEASURES:
        failures.append(f"[{name}] has a gold counterpart ({text.strip()}) but no independent check here")


def reaches(fact, key, dimension_key, active):
    """Whether the model has the relationship a filter needs: active, or
    (for a date role a measure names in USERELATIONSHIP) inactive."""
    state = relationships.get((f"{fact}.{key}", dimension_key))
    return state is not None and (state or not active)


def base_figures(group_sql=None, uses=()):
    """{group: {base: value}} for every base figure, grouped by `group_sql`
    (an expression over the fact's date d via its role key, its patient p
    and its payer y); None gives one group, None. `uses` names the
    dimensions the group reads ("date", "patient", "payer"): where the
    model has no relationship from the fact to one of them, the filter does
    not reach the fact, and every group sees the whole, as in Power BI."""
    out = {}
    for base, (fact, role, agg, condition, payer_key) in BASE.items():
        reached = all(
            {
                "date": lambda: reaches(fact, role, "dim_date.date_key", role in ("start_date_key", "month_key")),
                "patient": lambda: reaches(fact, "patient_key", "dim_patient.patient_key", True),
                "payer": lambda: reaches(fact, payer_key, "dim_payer.payer_key", True),
            }[u]()
            for u in uses
        )
        group = group_sql(role, payer_key) if group_sql and reached else "NULL"
        rows = con.execute(
            f"""SELECT {group} AS g, {agg} FROM {fact} f
                LEFT JOIN dim_date d ON d.date_key = f.{role}
                LEFT JOIN dim_patient p ON p.patient_key = f.patient_key
                LEFT JOIN dim_payer y ON y.payer_key = f.{payer_key}
                WHERE {condition} GROUP BY ALL"""
        ).fetchall()
        if group_sql and not reached:
            whole = rows[0][1] if rows else 0
            rows = [(g, whole) for g in slice_values(group_sql)]
        for g, value in rows:
            out.setdefault(g, {b: 0 for b in BASE})[base] = value or 0
    return out


def slice_values(group_sql):
    """The values a group takes over its dimensions alone (every slicer value)."""
    group = group_sql("date_key", "payer_key")
    return [
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT {group} FROM dim_date d CROSS JOIN dim_patient p CROSS JOIN dim_payer y"
            if "d." in group
            else f"SELECT DISTINCT {group} FROM dim_patient p CROSS JOIN dim_payer y"
        ).fetchall()
    ]


def at(groups, key):
    """The base figures of one group; a group with no rows has zeros."""
    return groups.get(key, {b: 0 for b in BASE})


def evaluate(figures):
    return {name: formula(figures) for name, (formula, _, _) in MEASURES.items() if formula}


if slice_arg:
    dimension, _, value = slice_arg.partition("=")
    group, uses = {"gender": ("p.gender", ("patient",)), "payer": ("y.payer_name", ("payer",))}[dimension]
    figures = at(base_figures(lambda role, payer: group, uses), value)
    values = evaluate(figures)
    if dimension == "gender":
        values["Patient Count"] = con.execute("SELECT count(*) FROM dim_patient WHERE gender = ?", [value]).fetchone()[0]
    print(json.dumps(values, sort_keys=True))
    sys.exit(0)

# 2. Unfiltered, against gold_kpis.
total = base_figures()[None]
kpis = dict(zip([c[0] for c in con.execute("SELECT * FROM gold_kpis").description], con.execute("SELECT * FROM gold_kpis").fetchone()))
if con.execute("SELECT count(*) FROM dim_patient").fetchone()[0] != kpis["patients"]:
    failures.append("[Patient Count] differs from gold_kpis.patients")
for name, value in evaluate(total).items():
    column = MEASURES[name][1]
    if column is None:
        continue
    expected = kpis[column.split("/")[0]]
    if column.endswith("/100") and expected is not None:
        expected /= 100
    if not close(value, expected):
        failures.append(f"[{name}] unfiltered = {value}, gold_kpis.{column} = {expected}")

# 3. Every month and year, against the gold tables.
by_month = base_figures(lambda role, payer: "d.year_month", ("date",))
checked_months = 0
for row in con.execute(
    """SELECT year_month, discharges, inpatient_days, alos_days, index_stays, readmissions_30d,
              readmission_rate_30d, crude_discharges, crude_readmission_rate_30d, in_hospital_mortality_rate
       FROM gold_readmissions_monthly"""
).fetchall():
    month, *gold = row
    figures = at(by_month, month)
    ours = evaluate(figures)
    mine = [
        figures["discharges"],
        figures["inpatient_days"],
        ours["Average Length of Stay"],
        figures["index_stays"],
        figures["readmissions"],
        ours["Readmission Rate 30d"],
        ours["Charted Readmission Rate 30d"],
        figures["crude_discharges"],
        ours["Crude Readmission Rate 30d"],
        ours["In-hospital Mortality %"],
    ]
    compare(
        month,
        "gold_readmissions_monthly",
        zip(
            ["discharges", "inpatient days", "ALOS", "index stays", "readmissions", "readmission rate", "charted rate", "crude discharges", "crude rate", "mortality"],
            mine,
            gold[:6] + [gold[5] if gold[3] >= FEW_INDEX_STAYS else None] + gold[6:],
        ),
    )
    checked_months += 1

by_month_payer = base_figures(lambda role, payer: "d.year_month || '|' || CAST(y.payer_key AS VARCHAR)", ("date", "payer"))
checked_cells = 0
for month, payer, mm, med_allowed, med_paid, ph_allowed, ph_paid, pmpm_allowed, pmpm_paid in con.execute(
    """SELECT year_month, payer_key, member_months, medical_allowed, medical_paid, pharmacy_allowed, pharmacy_paid,
              pmpm_allowed, pmpm_paid FROM gold_pmpm_monthly"""
).fetchall():
    figures = at(by_month_payer, f"{month}|{payer}")
    ours = evaluate(figures)
    compare(
        f"{month}, payer {payer}",
        "gold_pmpm_monthly",
        [
        ("member months", figures["member_months"], mm),
        ("medical allowed", figures["total_claim_cost"], med_allowed),
        ("medical paid", figures["payer_coverage"], med_paid),
        ("pharmacy allowed", figures["pharmacy_allowed"], ph_allowed),
        ("pharmacy paid", figures["pharmacy_paid"], ph_paid),
        ("PMPM allowed", ours["PMPM Allowed"], pmpm_allowed),
        ("PMPM paid", ours["PMPM Paid"], pmpm_paid),
        ],
    )
    checked_cells += 1

for month, encounters, cost, coverage in con.execute(
    """SELECT year_month, sum(encounters), sum(total_claim_cost), sum(payer_coverage)
       FROM gold_encounters_monthly GROUP BY year_month"""
).fetchall():
    figures = at(by_month, month)
    compare(
        f"{month}",
        "gold_encounters_monthly",
        [
        ("encounters", figures["encounters"], encounters),
        ("claim cost", figures["total_claim_cost"], cost),
        ("coverage", figures["payer_coverage"], coverage),
        ],
    )

by_year_payer = base_figures(lambda role, payer: "CAST(d.year AS VARCHAR) || '|' || CAST(y.payer_key AS VARCHAR)", ("date", "payer"))
for year, payer, mm, admissions, ed, admits_rate, ed_rate in con.execute(
    "SELECT year, payer_key, member_months, admissions, ed_visits, admits_per_1000, ed_per_1000 FROM gold_utilization_yearly"
).fetchall():
    figures = at(by_year_payer, f"{year}|{payer}")
    ours = evaluate(figures)
    compare(
        f"{year}, payer {payer}",
        "gold_utilization_yearly",
        [
        ("member months", figures["member_months"], mm),
        ("admissions", figures["admissions"], admissions),
        ("ED visits", figures["ed_visits"], ed),
        ("admits per 1000", ours["Admits per 1000"], admits_rate),
        ("ED per 1000", ours["ED Visits per 1000"], ed_rate),
        ],
    )

# 4. Slicers: every gender, every payer.
slices = 0
for dimension, group, uses in [
    ("gender", lambda role, payer: "p.gender", ("patient",)),
    ("payer", lambda role, payer: "y.payer_name", ("payer",)),
]:
    groups = base_figures(group, uses)
    for base in BASE:
        whole = sum(g[base] for g in groups.values())
        if not close(whole, total[base]):
            failures.append(f"{base}: the {dimension} slices add up to {whole}, the whole is {total[base]}")
    for value, figures in groups.items():
        slices += 1
        for name in RATES:
            rate = MEASURES[name][0](figures)
            if rate is not None and not (-1e-9 <= rate <= 1 + 1e-9):
                failures.append(f"[{name}] for {dimension} {value} = {rate}, outside 0..100 %")
worst = con.execute(
    """WITH c AS (SELECT p.gender, f.diagnosis_key, count(DISTINCT f.patient_key) AS n
                  FROM fact_conditions f JOIN dim_patient p USING (patient_key) GROUP BY ALL),
            t AS (SELECT gender, count(*) AS n FROM dim_patient GROUP BY ALL)
       SELECT max(c.n / t.n) FROM c JOIN t USING (gender)"""
).fetchone()[0]
if worst is not None and worst > 1:
    failures.append(f"[Condition Prevalence %] by gender reaches {worst:.0%}")

for failure in failures[:40]:
    print(failure)
if failures:
    sys.exit(f"{len(failures)} differences")
print(
    f"ok: {sum(1 for m in MEASURES.values() if m[1])} measures equal gold_kpis unfiltered; they equal gold in "
    f"{checked_months} discharge months (the charted rate too), "
    f"{checked_cells} month x payer cells and every year x payer; {slices} gender and payer slices add up"
)
