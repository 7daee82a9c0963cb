//! `fact_claims`: one row per claim Id, with its ledger from
//! `claims_transactions` summed in cents.

use rustc_hash::FxHashMap as HashMap;

use super::{Context, day, key_of_day};
use arrow_array::{Array, Int32Array, StringArray};

use crate::bronze::rows::{RowId, Rows};
use crate::error::Result;
use crate::join::Join;
use crate::silver::CleaningStats;
use crate::silver::dims::insurance_id;
use crate::silver::keys::Last;
use crate::table::{RowColumns, Table, TableBuilder};

#[derive(Default, Clone, Copy)]
struct ClaimLedger {
    lines: i64,
    charges_cents: i64,
    payments_cents: i64,
    adjustments_cents: i64,
}

pub(super) struct Claim<'a> {
    id: &'a str,
    patient_key: Option<i64>,
    encounter_key: Option<i64>,
    provider_key: Option<i64>,
    primary_payer_key: Option<i64>,
    secondary_payer_key: Option<i64>,
    service: Option<i64>,
    department_id: Option<i64>,
    claim_type: Option<&'a str>,
    status_primary: Option<&'a str>,
    status_secondary: Option<&'a str>,
    status_patient: Option<&'a str>,
    outstanding_primary: Option<f64>,
    outstanding_secondary: Option<f64>,
    outstanding_patient: Option<f64>,
    diagnosis_1: Option<&'a str>,
    diagnosis_count: i64,
    ledger: Option<ClaimLedger>,
}

fn cents(value: Option<f64>) -> i64 {
    value.map_or(0, |v| (v * 100.0).round() as i64)
}

/// The claim ledger, summed in cents so that the order of lines does not
/// matter (empty when the export has no `claims_transactions.csv`): a slot
/// per claim Id, found through `index`. The lines are walked in file order,
/// and each batch resolves its distinct claim Ids and its `CHARGE` type once,
/// so the cost per line is a few array reads.
pub(super) struct Ledger<'a> {
    index: HashMap<&'a str, usize>,
    slots: Vec<ClaimLedger>,
    /// The claim Id of each slot.
    ids: Vec<&'a str>,
}

impl<'a> Ledger<'a> {
    /// The ledger of `claim_id`. `next` is the slot after the last one
    /// found: Synthea writes a claim's lines in the order of its claims, so
    /// the next claim's ledger is nearly always there (96–98 % of claims in
    /// the real exports), one comparison instead of a probe into a map of
    /// every claim Id.
    fn get(&self, claim_id: &str, next: &mut usize) -> Option<ClaimLedger> {
        let slot = match self.ids.get(*next) {
            Some(&id) if id == claim_id => *next,
            _ => *self.index.get(claim_id)?,
        };
        *next = slot + 1;
        Some(self.slots[slot])
    }
}

pub(super) fn ledger<'a>(context: &mut Context<'a, '_>) -> Result<Ledger<'a>> {
    let rows = Rows::of(context.bronze, "claims_transactions");
    let mut ledger = Ledger {
        index: HashMap::default(),
        slots: Vec::new(),
        ids: Vec::new(),
    };
    if rows.table.is_none() {
        return Ok(ledger);
    }
    let c = |n: &str| rows.col(n);
    let (claim, kind, amount, payments, adjustments) = (
        c("CLAIMID"),
        c("TYPE"),
        c("AMOUNT"),
        c("PAYMENTS"),
        c("ADJUSTMENTS"),
    );
    let (unique, exact) = rows.unique()?;
    context.cleaned("claims_transactions", exact);
    // Per batch: the ledger slot of each CLAIMID dictionary value (resolved
    // on first use), and the TYPE dictionary key of CHARGE.
    let mut batch = usize::MAX;
    let mut slot_of: Vec<usize> = Vec::new();
    let mut ids: Option<(&Int32Array, &StringArray)> = None;
    let mut types: Option<(&Int32Array, Option<i32>)> = None;
    for row in unique {
        if row.0 != batch {
            batch = row.0;
            ids = rows.dictionary(batch, claim);
            slot_of = vec![usize::MAX; ids.map_or(0, |(_, v)| v.len())];
            types = rows.dictionary(batch, kind).map(|(keys, values)| {
                let charge =
                    (0..values.len()).find(|&i| values.is_valid(i) && values.value(i) == "CHARGE");
                (keys, charge.map(|i| i as i32))
            });
        }
        let Some((keys, values)) = ids else {
            continue;
        };
        if keys.is_null(row.1) {
            continue;
        }
        let key = keys.value(row.1) as usize;
        if values.is_null(key) {
            continue;
        }
        let Ledger { index, slots, ids } = &mut ledger;
        if slot_of[key] == usize::MAX {
            let id = values.value(key);
            slot_of[key] = *index.entry(id).or_insert_with(|| {
                slots.push(ClaimLedger::default());
                ids.push(id);
                slots.len() - 1
            });
        }
        let entry = &mut slots[slot_of[key]];
        entry.lines += 1;
        let is_charge = types.is_some_and(|(keys, charge)| {
            keys.is_valid(row.1) && Some(keys.value(row.1)) == charge
        });
        if is_charge {
            entry.charges_cents += cents(rows.float(row, amount));
        }
        entry.payments_cents += cents(rows.float(row, payments));
        entry.adjustments_cents += cents(rows.float(row, adjustments));
    }
    Ok(ledger)
}

/// The claims, one per Id, in Id order (none before Synthea 3.0), each with
/// its ledger (from [`ledger`], read beforehand: it needs no encounter keys,
/// so it is read beside the encounters). The rows are read in file order,
/// the claims then sorted.
pub(super) fn read<'a, J: Join>(
    context: &mut Context<'a, '_>,
    ledger: &Ledger<'a>,
    join: &J,
) -> Result<Vec<Claim<'a>>> {
    let rows = Rows::of(context.bronze, "claims");
    if rows.table.is_none() {
        return Ok(Vec::new());
    }
    let c = |n: &str| rows.col(n);
    let (id, patient, provider, primary, secondary) = (
        c("Id"),
        c("PATIENTID"),
        c("PROVIDERID"),
        c("PRIMARYPATIENTINSURANCEID"),
        c("SECONDARYPATIENTINSURANCEID"),
    );
    let (department, appointment, service, claim_type) = (
        c("DEPARTMENTID"),
        c("APPOINTMENTID"),
        c("SERVICEDATE"),
        c("HEALTHCARECLAIMTYPEID1"),
    );
    let (status1, status2, statusp) = (c("STATUS1"), c("STATUS2"), c("STATUSP"));
    let (out1, out2, outp) = (c("OUTSTANDING1"), c("OUTSTANDING2"), c("OUTSTANDINGP"));
    let diagnoses: Vec<_> = (1..=8).map(|i| c(&format!("DIAGNOSIS{i}"))).collect();
    let unique = rows.unique_by_in_file_order(id)?;
    context.cleaning.push(CleaningStats::of("claims", &unique));
    let unique = unique.rows;
    // The claims of some rows, in their order.
    let read_rows = |context: &mut Context<'a, '_>, part: &[RowId]| {
        let (references, patients) = (context.references, context.patients);
        let mut claims = Vec::with_capacity(part.len());
        // Each lookup answers a repeated id without a probe (`Last`), and
        // the ledger is looked for after the last one found.
        let (mut patient_key, mut encounter_key, mut provider_key) =
            (Last::new(), Last::new(), Last::new());
        let (mut primary_key, mut secondary_key) = (Last::new(), Last::new());
        let mut next_ledger = 0;
        for &row in part {
            let Some(claim_id) = rows.text(row, id) else {
                continue;
            };
            let service_ts = rows.timestamp(row, service);
            if let Some(s) = service_ts {
                context.days.add(day(s));
            }
            claims.push(Claim {
                id: claim_id,
                patient_key: patient_key.get(rows.text(row, patient), |id| patients.keys.get(id)),
                encounter_key: encounter_key.get(rows.text(row, appointment), |id| {
                    context.encounter_keys.get(id)
                }),
                provider_key: provider_key
                    .get(rows.text(row, provider), |id| references.provider.get(id)),
                primary_payer_key: primary_key.get(rows.text(row, primary), |id| {
                    references.payer.get(insurance_id(id))
                }),
                secondary_payer_key: secondary_key.get(rows.text(row, secondary), |id| {
                    references.payer.get(insurance_id(id))
                }),
                service: service_ts,
                department_id: rows.int(row, department),
                claim_type: match rows.int(row, claim_type) {
                    Some(1) => Some("professional"),
                    Some(2) => Some("institutional"),
                    _ => None,
                },
                status_primary: rows.text(row, status1),
                status_secondary: rows.text(row, status2),
                status_patient: rows.text(row, statusp),
                outstanding_primary: rows.float(row, out1),
                outstanding_secondary: rows.float(row, out2),
                outstanding_patient: rows.float(row, outp),
                diagnosis_1: rows.text(row, diagnoses[0]),
                diagnosis_count: diagnoses
                    .iter()
                    .filter(|d| rows.text(row, **d).is_some())
                    .count() as i64,
                ledger: ledger.get(claim_id, &mut next_ledger),
            });
        }
        claims
    };
    // The two halves of the rows side by side (six lookups a row: at ×300
    // this loop ran alone on one core for about 0.3 s), then joined in row
    // order.
    let (first, second) = unique.split_at(unique.len() / 2);
    let (mut left, mut right) = (
        context.fork(context.encounter_keys),
        context.fork(context.encounter_keys),
    );
    let (mut claims, rest) = join.join(
        || read_rows(&mut left, first),
        || read_rows(&mut right, second),
    );
    claims.extend(rest);
    context.absorb(left);
    context.absorb(right);
    // In id order, through small entries (see `crate::order`).
    crate::order::sort_by_text(&mut claims, |claim| claim.id);
    Ok(claims)
}

/// `fact_claims`, its columns built in two halves side by side on `join`
/// (at ×300 this ran alone on one core for about 0.2 s).
pub(super) fn write<J: Join>(k: &[Claim<'_>], join: &J) -> Result<Table> {
    let money = |f: fn(&ClaimLedger) -> i64| {
        move |i: usize| k[i].ledger.as_ref().map(|l| f(l) as f64 / 100.0)
    };
    // Each half filled a block of claims at a time (`RowColumns`).
    let (keys, facts) = join.join(
        || {
            TableBuilder::new().rows(
                RowColumns::new(k.len())
                    .int("claim_key", |i| i as i64 + 1)
                    .text("claim_id", |i| Some(k[i].id))
                    .int_opt("patient_key", |i| k[i].patient_key)
                    .int_opt("encounter_key", |i| k[i].encounter_key)
                    .int_opt("provider_key", |i| k[i].provider_key)
                    .int_opt("primary_payer_key", |i| k[i].primary_payer_key)
                    .int_opt("secondary_payer_key", |i| k[i].secondary_payer_key)
                    .int_opt("service_date_key", |i| key_of_day(k[i].service.map(day)))
                    .timestamp("service_ts", |i| k[i].service)
                    .int_opt("department_id", |i| k[i].department_id)
                    .text("claim_type", |i| k[i].claim_type),
            )
        },
        || {
            TableBuilder::new().rows(
                RowColumns::new(k.len())
                    .text("status_primary", |i| k[i].status_primary)
                    .text("status_secondary", |i| k[i].status_secondary)
                    .text("status_patient", |i| k[i].status_patient)
                    .float("outstanding_primary", |i| k[i].outstanding_primary)
                    .float("outstanding_secondary", |i| k[i].outstanding_secondary)
                    .float("outstanding_patient", |i| k[i].outstanding_patient)
                    .text("diagnosis_1", |i| k[i].diagnosis_1)
                    .int("diagnosis_count", |i| k[i].diagnosis_count)
                    .int_opt("transaction_lines", |i| k[i].ledger.map(|l| l.lines))
                    .float("charges", money(|l| l.charges_cents))
                    .float("payments", money(|l| l.payments_cents))
                    .float("adjustments", money(|l| l.adjustments_cents)),
            )
        },
    );
    keys.then(facts).finish("fact_claims")
}
