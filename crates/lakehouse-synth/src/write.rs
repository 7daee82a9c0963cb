//! The CSV writer: per-file buffers in front of the caller's sink, and
//! the rows of each Synthea file.

use lakehouse_pipeline::dates::{self, MICROS_PER_DAY};

use crate::World;
use crate::random::Random;
use crate::simulate::Encounter;
use crate::simulate::Item;
use crate::simulate::ItemKind;
use crate::simulate::Person;
use crate::simulate::covered;
use crate::simulate::department;
use crate::vocabulary;
use crate::vocabulary::{PAYERS, PLACES};
use crate::{FILES, File};

/// Bytes a file buffers before they go to the sink.
pub(crate) const FLUSH_BYTES: usize = 256 * 1024;
pub(crate) const SNOMED: &str = "SNOMED-CT";

/// Per-file output buffers in front of the caller's sink.
pub(crate) struct Out<'s> {
    pub(crate) buffers: Vec<Vec<u8>>,
    pub(crate) sink: &'s mut dyn FnMut(&'static str, &[u8]),
}

impl Out<'_> {
    pub(crate) fn row(&mut self, file: File) -> Row<'_> {
        Row {
            buffer: &mut self.buffers[file as usize],
            first: true,
        }
    }

    pub(crate) fn flush(&mut self, all: bool) {
        for (i, buffer) in self.buffers.iter_mut().enumerate() {
            if !buffer.is_empty() && (all || buffer.len() >= FLUSH_BYTES) {
                (self.sink)(FILES[i], buffer);
                buffer.clear();
            }
        }
    }
}

/// One CSV row being written, field by field.
pub(crate) struct Row<'a> {
    pub(crate) buffer: &'a mut Vec<u8>,
    pub(crate) first: bool,
}

impl Row<'_> {
    pub(crate) fn text(mut self, value: &str) -> Self {
        if !self.first {
            self.buffer.push(b',');
        }
        self.first = false;
        self.buffer.extend_from_slice(value.as_bytes());
        self
    }

    pub(crate) fn opt(self, value: Option<&str>) -> Self {
        self.text(value.unwrap_or(""))
    }

    pub(crate) fn date(self, day: i32) -> Self {
        self.text(&dates::format_date(day))
    }

    pub(crate) fn time(self, micros: i64) -> Self {
        self.text(&dates::format_timestamp(micros))
    }

    pub(crate) fn money(self, cents: i64) -> Self {
        self.text(&money(cents))
    }

    pub(crate) fn int(self, value: i64) -> Self {
        self.text(&value.to_string())
    }

    pub(crate) fn end(self) {
        self.buffer.push(b'\n');
    }
}

pub(crate) fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

/// Writes one encounter with everything recorded at it; returns (covered,
/// total) in cents. Long because each file's row is spelled out field by
/// field in Synthea's column order, which is easiest to check against the
/// header when it reads top to bottom.
pub(crate) fn write_encounter(
    person: &Person,
    e: &Encounter,
    world: &mut World,
    random: &mut Random,
    out: &mut Out<'_>,
) -> (i64, i64) {
    let day = dates::day_of_timestamp(e.start);
    let total: i64 = e.items.iter().map(|i| i.cents).sum();
    let covered_total: i64 = e.items.iter().map(|i| covered(i.cents, e.payer)).sum();
    let organization = &mut world.organizations[e.organization];
    organization.revenue += total;
    organization.utilization += 1;
    let provider = &mut world.providers[e.provider];
    provider.encounters += 1;
    provider.procedures += e
        .items
        .iter()
        .filter(|i| i.kind == ItemKind::Procedure)
        .count() as i64;
    let stats = &mut world.payer_stats[e.payer];
    stats.covered += covered_total;
    stats.uncovered += total - covered_total;
    if covered_total > 0 {
        stats.covered_encounters += 1;
    } else {
        stats.uncovered_encounters += 1;
    }
    for item in &e.items {
        let is_covered = covered(item.cents, e.payer) > 0;
        match (item.kind, is_covered) {
            (ItemKind::Procedure, true) => stats.covered_procedures += 1,
            (ItemKind::Procedure, false) => stats.uncovered_procedures += 1,
            (ItemKind::Immunization, true) => stats.covered_immunizations += 1,
            (ItemKind::Immunization, false) => stats.uncovered_immunizations += 1,
            _ => {}
        }
    }
    let organization_id = world.organizations[e.organization].id.clone();
    let provider_id = world.providers[e.provider].id.clone();
    let payer_id = world.payer_ids[e.payer].clone();
    out.row(File::Encounters)
        .text(&e.id)
        .time(e.start)
        .time(e.stop)
        .text(&person.id)
        .text(&organization_id)
        .text(&provider_id)
        .text(&payer_id)
        .text(e.class)
        .text(e.kind.code)
        .text(e.kind.description)
        .money(e.items[0].cents)
        .money(total)
        .money(covered_total)
        .opt(e.reason.map(|r| r.code))
        .opt(e.reason.map(|r| r.description))
        .end();
    for (condition, stop) in &e.conditions {
        let stop = stop.filter(|s| *s <= person.as_of);
        out.row(File::Conditions)
            .date(day)
            .opt(stop.map(dates::format_date).as_deref())
            .text(&person.id)
            .text(&e.id)
            .text(SNOMED)
            .text(condition.code)
            .text(condition.description)
            .end();
    }
    let mut at = e.start + 5 * 60_000_000;
    for item in e.items.iter().filter(|i| i.kind == ItemKind::Procedure) {
        let minutes = if e.class == "inpatient" { 60 } else { 15 };
        out.row(File::Procedures)
            .time(at)
            .time(at + minutes * 60_000_000)
            .text(&person.id)
            .text(&e.id)
            .text(SNOMED)
            .text(item.concept.code)
            .text(item.concept.description)
            .money(item.cents)
            .opt(e.reason.map(|r| r.code))
            .opt(e.reason.map(|r| r.description))
            .end();
        at += minutes * 60_000_000;
    }
    for item in e.items.iter().filter(|i| i.kind == ItemKind::Immunization) {
        out.row(File::Immunizations)
            .time(e.start)
            .text(&person.id)
            .text(&e.id)
            .text(item.concept.code)
            .text(item.concept.description)
            .money(item.cents)
            .end();
    }
    if e.vitals {
        write_vitals(person, e, random, out);
    }
    // The encounter's claim, with its items.
    let diagnoses: Vec<&str> = e
        .reason
        .iter()
        .chain(e.conditions.iter().map(|c| &c.0))
        .map(|c| c.code)
        .take(8)
        .collect();
    let diagnoses = if diagnoses.is_empty() {
        vec![e.kind.code]
    } else {
        diagnoses
    };
    let adult = person.age_at(day) >= 18;
    write_claim(
        person,
        e,
        world,
        random,
        out,
        &e.items,
        &diagnoses,
        department(e.class, adult),
    );
    let mut covered_sum = covered_total;
    let mut total_sum = total;
    for prescription in &e.prescriptions {
        let cost = prescription.per_dispense * prescription.dispenses;
        let paid = covered(cost, e.payer);
        covered_sum += paid;
        total_sum += cost;
        let stats = &mut world.payer_stats[e.payer];
        stats.covered += paid;
        stats.uncovered += cost - paid;
        if paid > 0 {
            stats.covered_medications += 1;
        } else {
            stats.uncovered_medications += 1;
        }
        let stop = prescription
            .stop
            .filter(|s| *s < (i64::from(person.as_of) + 1) * MICROS_PER_DAY);
        out.row(File::Medications)
            .time(prescription.start)
            .opt(stop.map(dates::format_timestamp).as_deref())
            .text(&person.id)
            .text(&world.payer_ids[e.payer])
            .text(&e.id)
            .text(prescription.concept.code)
            .text(prescription.concept.description)
            .money(prescription.per_dispense)
            .money(paid)
            .int(prescription.dispenses)
            .money(cost)
            .opt(prescription.reason.map(|r| r.code))
            .opt(prescription.reason.map(|r| r.description))
            .end();
        let item = [Item {
            concept: prescription.concept,
            cents: cost,
            kind: ItemKind::Procedure,
        }];
        let diagnosis = [prescription.reason.map_or(e.kind.code, |r| r.code)];
        write_claim(
            person,
            e,
            world,
            random,
            out,
            &item,
            &diagnosis,
            department(e.class, adult),
        );
    }
    (covered_sum, total_sum)
}

/// Writes a claim and its ledger lines (charges, payments, adjustments,
/// transfers); field by field in Synthea's column order, as
/// [`write_encounter`] is.
#[expect(
    clippy::too_many_arguments,
    reason = "one claim needs the person, encounter, world and sinks together"
)]
pub(crate) fn write_claim(
    person: &Person,
    e: &Encounter,
    world: &mut World,
    random: &mut Random,
    out: &mut Out<'_>,
    items: &[Item],
    diagnoses: &[&str],
    department: i64,
) {
    let claim_id = random.uuid();
    let insured = e.payer != 8;
    let payer_id = world.payer_ids[e.payer].clone();
    let provider_id = world.providers[e.provider].id.clone();
    let place = world.organizations[e.organization].id.clone();
    let institutional = matches!(e.class, "inpatient" | "emergency");
    let mut row = out
        .row(File::Claims)
        .text(&claim_id)
        .text(&person.id)
        .text(&provider_id)
        .opt(insured.then_some(payer_id.as_str()))
        .text("")
        .int(department)
        .int(department);
    for i in 0..8 {
        row = row.opt(diagnoses.get(i).copied());
    }
    row.text("")
        .text(&e.id)
        .time(e.start)
        .time(e.start)
        .text(&provider_id)
        .text("CLOSED")
        .text("")
        .text("CLOSED")
        .text("0")
        .text("")
        .text("0")
        .time(e.stop)
        .text("")
        .time(e.stop)
        .int(if institutional { 2 } else { 1 })
        .int(0)
        .end();
    for item in items {
        world.charge_id += 1;
        let charge_id = world.charge_id;
        let paid = covered(item.cents, e.payer);
        let rest = item.cents - paid;
        let mut line = |kind: &str,
                        amount: Option<i64>,
                        method: Option<&str>,
                        transfer: Option<(i64, &str)>,
                        payments: i64,
                        transfers: Option<i64>,
                        outstanding: i64| {
            let id = random.uuid();
            out.row(File::ClaimsTransactions)
                .text(&id)
                .text(&claim_id)
                .int(charge_id)
                .text(&person.id)
                .text(kind)
                .opt(amount.map(money).as_deref())
                .opt(method)
                .time(e.start)
                .time(e.stop)
                .text(&place)
                .text(item.concept.code)
                .text("")
                .text("")
                .int(1)
                .text("")
                .text("")
                .text("")
                .int(1)
                .int(department)
                .text(item.concept.description)
                .money(item.cents)
                .opt(transfer.map(|t| t.0.to_string()).as_deref())
                .opt(transfer.map(|t| t.1))
                .money(payments)
                .money(0)
                .opt(transfers.map(money).as_deref())
                .money(outstanding)
                .text(&e.id)
                .text("")
                .text(&person.id)
                .int(1)
                .text(&provider_id)
                .text(&provider_id)
                .end();
        };
        line("CHARGE", Some(item.cents), None, None, 0, None, item.cents);
        if paid > 0 {
            line("PAYMENT", None, Some("ECHECK"), None, paid, None, rest);
        }
        if rest > 0 {
            line("TRANSFEROUT", None, None, None, 0, Some(rest), rest);
            line(
                "TRANSFERIN",
                Some(rest),
                None,
                Some((charge_id, "p")),
                0,
                Some(rest),
                rest,
            );
            line(
                "PAYMENT",
                None,
                Some(if insured { "COPAY" } else { "CASH" }),
                None,
                rest,
                None,
                0,
            );
        }
    }
}

pub(crate) fn write_vitals(person: &Person, e: &Encounter, random: &mut Random, out: &mut Out<'_>) {
    let age_years = (e.start / MICROS_PER_DAY - i64::from(person.birth)) as f64 / 365.25;
    let height = if age_years < 18.0 {
        50.0 + age_years * (if age_years < 2.0 { 25.0 } else { 6.2 }) + random.unit() * 4.0
    } else if person.gender == "F" {
        156.0 + random.unit() * 16.0
    } else {
        168.0 + random.unit() * 18.0
    };
    let bmi = if age_years < 18.0 {
        15.0 + random.unit() * 5.0
    } else {
        19.0 + random.unit() * 15.0
    };
    let weight = bmi * (height / 100.0) * (height / 100.0);
    let systolic = 100.0 + random.unit() * 45.0 + (age_years / 4.0).min(15.0);
    let diastolic = 60.0 + random.unit() * 28.0;
    let heart = 58.0 + random.unit() * 40.0;
    let values = [height, weight, bmi, systolic, diastolic, heart];
    for ((code, description, units), value) in vocabulary::VITALS.iter().zip(values) {
        out.row(File::Observations)
            .time(e.start)
            .text(&person.id)
            .text(&e.id)
            .text("vital-signs")
            .text(code)
            .text(description)
            .text(&format!("{value:.1}"))
            .text(units)
            .text("numeric")
            .end();
    }
    if age_years >= 12.0 {
        let status = if random.chance(0.14) {
            "Current every day smoker (finding)"
        } else {
            "Never smoked tobacco (finding)"
        };
        out.row(File::Observations)
            .time(e.start)
            .text(&person.id)
            .text(&e.id)
            .text("social-history")
            .text("72166-2")
            .text("Tobacco smoking status")
            .text(status)
            .text("")
            .text("text")
            .end();
    }
}

pub(crate) fn write_reference(world: &World, out: &mut Out<'_>) {
    for organization in &world.organizations {
        let p = PLACES[organization.place];
        out.row(File::Organizations)
            .text(&organization.id)
            .text(&organization.name)
            .text(&organization.address)
            .text(p.0)
            .text("MA")
            .text(p.3)
            .text(&format!("{:.6}", p.4))
            .text(&format!("{:.6}", p.5))
            .text(&format!("{}5550{:03}", &p.3[..3], organization.place))
            .money(organization.revenue)
            .int(organization.utilization)
            .end();
    }
    for provider in &world.providers {
        let organization = &world.organizations[provider.organization];
        let p = PLACES[organization.place];
        out.row(File::Providers)
            .text(&provider.id)
            .text(&organization.id)
            .text(&provider.name)
            .text(provider.gender)
            .text(provider.speciality)
            .text(&provider.address)
            .text(p.0)
            .text("MA")
            .text(p.3)
            .text(&format!("{:.6}", p.4))
            .text(&format!("{:.6}", p.5))
            .int(provider.encounters)
            .int(provider.procedures)
            .end();
    }
    for ((name, ownership, _), (id, stats)) in PAYERS
        .iter()
        .zip(world.payer_ids.iter().zip(&world.payer_stats))
    {
        out.row(File::Payers)
            .text(id)
            .text(name)
            .text(ownership)
            .text("")
            .text("")
            .text("")
            .text("")
            .text("")
            .money(stats.covered)
            .money(stats.uncovered)
            .money(stats.member_months * 25_000)
            .int(stats.covered_encounters)
            .int(stats.uncovered_encounters)
            .int(stats.covered_medications)
            .int(stats.uncovered_medications)
            .int(stats.covered_procedures)
            .int(stats.uncovered_procedures)
            .int(stats.covered_immunizations)
            .int(stats.uncovered_immunizations)
            .int(stats.customers)
            .text(if stats.customers == 0 { "NaN" } else { "0.85" })
            .int(stats.member_months)
            .end();
    }
}
