-- Readmissions by payer
-- The HEDIS-style 30-day readmission rate of each payer: index stays (discharged alive, aged 18+, at least 30 days before as_of) under the payer of the admission, and how many were followed by another stay within 30 days. The rate's base, index_stays, is shown beside it.
SELECT p.payer_name,
       count(*) AS index_stays,
       sum(CASE WHEN e.hedis_readmitted_30d THEN 1 ELSE 0 END) AS readmissions_30d,
       round(CAST(sum(CASE WHEN e.hedis_readmitted_30d THEN 1 ELSE 0 END) AS DOUBLE) / count(*), 4)
         AS readmission_rate_30d
FROM silver.fact_encounters e
JOIN silver.dim_payer p ON p.payer_key = e.payer_key
WHERE e.is_hedis_index_stay
GROUP BY p.payer_name
ORDER BY index_stays DESC, p.payer_name
