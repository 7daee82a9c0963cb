#!/usr/bin/env python3
"""The plain DuckDB job (issue 19's third line): a floor, not the same job.

Every CSV file read into a table as text (`all_varchar`: no typing faults,
no rejects, no line numbers, no bronze Parquet); 7 star tables (4
dimensions, 3 facts: encounters, conditions, claims with their transaction
sums) and 3 gold tables (KPIs, encounters per month and class, costs per
payer) built with plain casts, and those 10 written as Snappy Parquet. What a DuckDB user gets in
a dozen statements, with none of what makes ours a lakehouse (typed bronze
with rejects, data-quality rules, surrogate keys, dedup, member months), so
it bounds from below what any engine pays to read, type and write this data.

Usage: duckdb_plain.py INPUT_DIR OUT_DIR [--threads N]
Prints the tables written and their rows.
"""
import os
import sys

import duckdb

BRONZE_TEXT = "read_csv('{path}', all_varchar = true, header = true, quote = '', escape = '', auto_detect = false, columns = {columns})"

STAR = {
    "dim_patient": """
        SELECT Id AS patient_id, TRY_CAST(BIRTHDATE AS DATE) AS birth_date,
               TRY_CAST(DEATHDATE AS DATE) AS death_date, GENDER AS gender, RACE AS race,
               ETHNICITY AS ethnicity, STATE AS state, COUNTY AS county
        FROM patients""",
    "dim_provider": """
        SELECT Id AS provider_id, NAME AS name, GENDER AS gender, SPECIALITY AS specialty,
               ORGANIZATION AS organization_id FROM providers""",
    "dim_organization": """
        SELECT Id AS organization_id, NAME AS name, CITY AS city, STATE AS state FROM organizations""",
    "dim_payer": "SELECT Id AS payer_id, NAME AS name FROM payers",
    "fact_encounters": """
        SELECT Id AS encounter_id, PATIENT AS patient_id, PROVIDER AS provider_id,
               ORGANIZATION AS organization_id, PAYER AS payer_id, ENCOUNTERCLASS AS encounter_class,
               CODE AS code, TRY_CAST(START AS TIMESTAMPTZ) AS start_time,
               TRY_CAST(STOP AS TIMESTAMPTZ) AS stop_time,
               TRY_CAST(BASE_ENCOUNTER_COST AS DOUBLE) AS base_cost,
               TRY_CAST(TOTAL_CLAIM_COST AS DOUBLE) AS total_cost,
               TRY_CAST(PAYER_COVERAGE AS DOUBLE) AS payer_coverage
        FROM encounters""",
    "fact_conditions": """
        SELECT PATIENT AS patient_id, ENCOUNTER AS encounter_id, CODE AS code,
               TRY_CAST(START AS DATE) AS start_date, TRY_CAST(STOP AS DATE) AS stop_date
        FROM conditions""",
    "fact_claims": """
        WITH t AS (
            SELECT CLAIMID AS claim_id, count(*) AS transactions,
                   sum(TRY_CAST(AMOUNT AS DOUBLE)) FILTER (WHERE TYPE = 'CHARGE') AS charges,
                   sum(TRY_CAST(PAYMENTS AS DOUBLE)) AS payments,
                   sum(TRY_CAST(ADJUSTMENTS AS DOUBLE)) AS adjustments
            FROM claims_transactions GROUP BY CLAIMID)
        SELECT c.Id AS claim_id, c.PATIENTID AS patient_id, c.PROVIDERID AS provider_id,
               c.APPOINTMENTID AS encounter_id, TRY_CAST(c.SERVICEDATE AS TIMESTAMPTZ) AS service_time,
               t.transactions, t.charges, t.payments, t.adjustments
        FROM claims c LEFT JOIN t ON t.claim_id = c.Id""",
}

GOLD = {
    "gold_kpis": """
        SELECT (SELECT count(*) FROM dim_patient) AS patients,
               count(*) AS encounters,
               sum(total_cost) AS total_cost,
               sum(payer_coverage) / nullif(sum(total_cost), 0) AS payer_share,
               avg(epoch(stop_time - start_time) / 3600.0) AS avg_hours
        FROM fact_encounters""",
    "gold_encounters_monthly": """
        SELECT date_trunc('month', start_time) AS month, encounter_class, count(*) AS encounters,
               count(DISTINCT patient_id) AS patients, sum(total_cost) AS total_cost
        FROM fact_encounters GROUP BY ALL ORDER BY ALL""",
    "gold_payer_costs": """
        SELECT p.payer_id, p.name, count(*) AS encounters, sum(e.total_cost) AS total_cost,
               sum(e.payer_coverage) AS payer_coverage
        FROM fact_encounters e JOIN dim_payer p USING (payer_id) GROUP BY ALL ORDER BY ALL""",
}


def header(path):
    with open(path, encoding="utf-8-sig") as handle:
        return handle.readline().rstrip("\r\n").split(",")


def main():
    args = sys.argv[1:]
    threads = 2
    if "--threads" in args:
        at = args.index("--threads")
        threads = int(args[at + 1])
        del args[at : at + 2]
    source, out = args
    for layer in ("silver", "gold"):
        os.makedirs(os.path.join(out, layer), exist_ok=True)
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    con.execute("SET preserve_insertion_order = false")

    def write(name, layer):
        path = os.path.join(out, layer, name + ".parquet")
        con.execute(f"COPY {name} TO '{path}' (FORMAT parquet, COMPRESSION snappy)")
        print(name, con.execute(f"SELECT count(*) FROM {name}").fetchone()[0])

    for file in sorted(os.listdir(source)):
        if not file.endswith(".csv"):
            continue
        name = file[:-4]
        path = os.path.join(source, file)
        columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in header(path)) + "}"
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM {BRONZE_TEXT.format(path=path, columns=columns)}")
    for layer, tables in (("silver", STAR), ("gold", GOLD)):
        for name, sql in tables.items():
            con.execute(f"CREATE TABLE {name} AS {sql}")
            write(name, layer)


if __name__ == "__main__":
    main()
