-- Recompute gold_kpis from the star tables
-- Headline figures of gold.gold_kpis counted again from the silver star schema, next to gold's own value, with the tolerance they are compared at (money to the cent, rates to 1e-6). Every row should read equal = true.
WITH star AS (
  SELECT
    (SELECT count(*) FROM silver.dim_patient) AS patients,
    (SELECT count(*) FROM silver.fact_encounters) AS encounters,
    (SELECT count(*) FROM silver.fact_member_months) AS member_months,
    (SELECT count(*) FROM silver.fact_encounters WHERE is_stay_admission) AS admissions,
    (SELECT count(*) FROM silver.fact_encounters
      WHERE is_stay_admission AND stay_discharge_ts IS NOT NULL) AS discharges,
    (SELECT sum(stay_days) FROM silver.fact_encounters
      WHERE is_stay_admission AND stay_discharge_ts IS NOT NULL) AS inpatient_days,
    (SELECT count(*) FROM silver.fact_encounters WHERE is_hedis_index_stay) AS index_stays,
    (SELECT count(*) FROM silver.fact_encounters
      WHERE is_hedis_index_stay AND hedis_readmitted_30d) AS readmissions,
    (SELECT count(*) FROM silver.fact_encounters WHERE encounter_class = 'emergency') AS ed_visits,
    (SELECT sum(total_claim_cost) FROM silver.fact_encounters) AS medical_allowed,
    (SELECT sum(payer_coverage) FROM silver.fact_encounters) AS medical_paid,
    (SELECT sum(total_cost) FROM silver.fact_medications) AS pharmacy_allowed,
    (SELECT sum(payer_coverage) FROM silver.fact_medications) AS pharmacy_paid
),
pairs AS (
  SELECT 1 AS n, 'patients' AS metric, CAST(s.patients AS DOUBLE) AS from_star,
         CAST(k.patients AS DOUBLE) AS in_gold, CAST(0 AS DOUBLE) AS tolerance
    FROM star s CROSS JOIN gold.gold_kpis k
  UNION ALL SELECT 2, 'encounters',
         s.encounters AS from_star,
         k.encounters AS in_gold, 0 AS tolerance
    FROM star s CROSS JOIN gold.gold_kpis k
  UNION ALL SELECT 3, 'member_months',
         s.member_months AS from_star,
         k.member_months AS in_gold, 0 AS tolerance
    FROM star s CROSS JOIN gold.gold_kpis k
  UNION ALL SELECT 4, 'inpatient_admissions',
         s.admissions AS from_star,
         k.inpatient_admissions AS in_gold, 0 AS tolerance
    FROM star s CROSS JOIN gold.gold_kpis k
  UNION ALL SELECT 5, 'inpatient_discharges',
         s.discharges AS from_star,
         k.inpatient_discharges AS in_gold, 0 AS tolerance
    FROM star s CROSS JOIN gold.gold_kpis k
  UNION ALL SELECT 6, 'inpatient_days',
         s.inpatient_days AS from_star,
         k.inpatient_days AS in_gold, 0 AS tolerance
    FROM star s CROSS JOIN gold.gold_kpis k
  UNION ALL SELECT 7, 'alos_days',
         CAST(s.inpatient_days AS DOUBLE) / NULLIF(s.discharges, 0) AS from_star,
         k.alos_days AS in_gold, 0.000001 AS tolerance
    FROM star s CROSS JOIN gold.gold_kpis k
  UNION ALL SELECT 8, 'index_stays',
         s.index_stays AS from_star,
         k.index_stays AS in_gold, 0 AS tolerance
    FROM star s CROSS JOIN gold.gold_kpis k
  UNION ALL SELECT 9, 'readmissions_30d',
         s.readmissions AS from_star,
         k.readmissions_30d AS in_gold, 0 AS tolerance
    FROM star s CROSS JOIN gold.gold_kpis k
  UNION ALL SELECT 10, 'readmission_rate_30d',
         CAST(s.readmissions AS DOUBLE) / NULLIF(s.index_stays, 0) AS from_star,
         k.readmission_rate_30d AS in_gold, 0.000001 AS tolerance
    FROM star s CROSS JOIN gold.gold_kpis k
  UNION ALL SELECT 11, 'ed_visits',
         s.ed_visits AS from_star,
         k.ed_visits AS in_gold, 0 AS tolerance
    FROM star s CROSS JOIN gold.gold_kpis k
  UNION ALL SELECT 12, 'total_claim_cost',
         s.medical_allowed AS from_star,
         k.total_claim_cost AS in_gold, 0.01 AS tolerance
    FROM star s CROSS JOIN gold.gold_kpis k
  UNION ALL SELECT 13, 'total_payer_coverage',
         s.medical_paid AS from_star,
         k.total_payer_coverage AS in_gold, 0.01 AS tolerance
    FROM star s CROSS JOIN gold.gold_kpis k
  UNION ALL SELECT 14, 'pharmacy_allowed',
         s.pharmacy_allowed AS from_star,
         k.pharmacy_allowed AS in_gold, 0.01 AS tolerance
    FROM star s CROSS JOIN gold.gold_kpis k
  UNION ALL SELECT 15, 'pharmacy_paid',
         s.pharmacy_paid AS from_star,
         k.pharmacy_paid AS in_gold, 0.01 AS tolerance
    FROM star s CROSS JOIN gold.gold_kpis k
  UNION ALL SELECT 16, 'pmpm_paid',
         (s.medical_paid + s.pharmacy_paid) / NULLIF(s.member_months, 0) AS from_star,
         k.pmpm_paid AS in_gold, 0.01 AS tolerance
    FROM star s CROSS JOIN gold.gold_kpis k
)
SELECT metric, from_star, in_gold, tolerance,
       coalesce(abs(from_star - in_gold) <= tolerance, from_star IS NULL AND in_gold IS NULL) AS equal
FROM pairs
ORDER BY n
