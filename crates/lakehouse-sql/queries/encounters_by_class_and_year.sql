-- Encounters by class and year
-- Encounters, distinct patients and claim cost per encounter class and calendar year of the start (UTC).
SELECT d.year,
       e.encounter_class,
       count(*) AS encounters,
       count(DISTINCT e.patient_key) AS patients,
       round(sum(e.total_claim_cost), 2) AS total_claim_cost
FROM silver.fact_encounters e
JOIN silver.dim_date d ON d.date_key = e.start_date_key
GROUP BY d.year, e.encounter_class
ORDER BY d.year, e.encounter_class
