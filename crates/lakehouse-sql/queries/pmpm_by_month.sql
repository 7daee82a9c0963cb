-- PMPM by month
-- Paid per member per month, all payers: encounter and prescription payer coverage in the month they start, divided by that month's member months (fact_member_months), next to the same figure from gold.gold_pmpm_monthly. Months without members are left out: their PMPM has no base.
WITH members AS (
  SELECT d.year_month, count(*) AS member_months
  FROM silver.fact_member_months m
  JOIN silver.dim_date d ON d.date_key = m.month_key
  GROUP BY d.year_month
),
medical AS (
  SELECT d.year_month, sum(e.total_claim_cost) AS allowed, sum(e.payer_coverage) AS paid
  FROM silver.fact_encounters e
  JOIN silver.dim_date d ON d.date_key = e.start_date_key
  GROUP BY d.year_month
),
pharmacy AS (
  SELECT d.year_month, sum(r.total_cost) AS allowed, sum(r.payer_coverage) AS paid
  FROM silver.fact_medications r
  JOIN silver.dim_date d ON d.date_key = r.start_date_key
  GROUP BY d.year_month
),
gold AS (
  SELECT year_month, sum(total_paid) / sum(member_months) AS pmpm_paid
  FROM gold.gold_pmpm_monthly
  GROUP BY year_month
)
SELECT m.year_month,
       m.member_months,
       round(coalesce(md.paid, 0) + coalesce(ph.paid, 0), 2) AS total_paid,
       round((coalesce(md.paid, 0) + coalesce(ph.paid, 0)) / m.member_months, 2) AS pmpm_paid,
       round((coalesce(md.allowed, 0) + coalesce(ph.allowed, 0)) / m.member_months, 2) AS pmpm_allowed,
       round(g.pmpm_paid, 2) AS gold_pmpm_paid
FROM members m
LEFT JOIN medical md ON md.year_month = m.year_month
LEFT JOIN pharmacy ph ON ph.year_month = m.year_month
LEFT JOIN gold g ON g.year_month = m.year_month
ORDER BY m.year_month
