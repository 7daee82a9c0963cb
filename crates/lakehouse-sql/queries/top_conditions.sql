-- Top conditions
-- The ten diagnoses with the most distinct patients, with their rows in fact_conditions and how many are still active at as_of.
SELECT g.code,
       g.description,
       count(DISTINCT c.patient_key) AS patients,
       count(*) AS condition_rows,
       sum(CASE WHEN c.is_active THEN 1 ELSE 0 END) AS active
FROM silver.fact_conditions c
JOIN silver.dim_diagnosis g ON g.diagnosis_key = c.diagnosis_key
GROUP BY g.code, g.description
ORDER BY patients DESC, g.code, g.description
LIMIT 10
