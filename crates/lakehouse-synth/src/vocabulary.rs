//! The clinical and geographic vocabulary the generator draws from: real
//! SNOMED CT, RxNorm, CVX and LOINC codes with their descriptions (as Synthea
//! writes them), and Massachusetts places. Codes are public terminology.

/// A coded concept.
#[derive(Clone, Copy, Debug)]
pub struct Concept {
    /// The code, as text.
    pub code: &'static str,
    /// Its description.
    pub description: &'static str,
}

const fn c(code: &'static str, description: &'static str) -> Concept {
    Concept { code, description }
}

/// A chronic condition: onset incidence by age, the follow-up it needs and its drug.
#[derive(Clone, Copy, Debug)]
pub struct Chronic {
    /// The condition.
    pub condition: Concept,
    /// Yearly onset probability at ages 18–44, 45–64 and 65+ (children: none).
    pub incidence: [f64; 3],
    /// The long-term medication, with cost per dispense in cents.
    pub medication: Option<(Concept, i64)>,
    /// Whether it raises the yearly chance of an emergency visit or admission.
    pub severe: bool,
    /// A procedure done at admissions for it, with cost in cents.
    pub inpatient_procedure: Option<(Concept, i64)>,
}

/// Chronic conditions (they persist once diagnosed).
pub const CHRONIC: [Chronic; 10] = [
    Chronic {
        condition: c("59621000", "Essential hypertension (disorder)"),
        incidence: [0.012, 0.03, 0.04],
        medication: Some((c("314076", "lisinopril 10 MG Oral Tablet"), 1_250)),
        severe: false,
        inpatient_procedure: None,
    },
    Chronic {
        condition: c("15777000", "Prediabetes"),
        incidence: [0.01, 0.02, 0.02],
        medication: None,
        severe: false,
        inpatient_procedure: None,
    },
    Chronic {
        condition: c("44054006", "Diabetes mellitus type 2 (disorder)"),
        incidence: [0.003, 0.01, 0.012],
        medication: Some((
            c(
                "860975",
                "24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet",
            ),
            2_210,
        )),
        severe: true,
        inpatient_procedure: None,
    },
    Chronic {
        condition: c("55822004", "Hyperlipidemia (disorder)"),
        incidence: [0.006, 0.02, 0.02],
        medication: Some((c("312961", "Simvastatin 20 MG Oral Tablet"), 1_420)),
        severe: false,
        inpatient_procedure: None,
    },
    Chronic {
        condition: c("162864005", "Body mass index 30+ - obesity (finding)"),
        incidence: [0.015, 0.015, 0.008],
        medication: None,
        severe: false,
        inpatient_procedure: None,
    },
    Chronic {
        condition: c("195967001", "Asthma (disorder)"),
        incidence: [0.004, 0.002, 0.002],
        medication: Some((
            c(
                "895994",
                "120 ACTUAT Fluticasone propionate 0.044 MG/ACTUAT Metered Dose Inhaler",
            ),
            3_225,
        )),
        severe: true,
        inpatient_procedure: None,
    },
    Chronic {
        condition: c("278860009", "Chronic low back pain (finding)"),
        incidence: [0.008, 0.012, 0.01],
        medication: Some((
            c("835603", "tramadol hydrochloride 50 MG Oral Tablet"),
            2_270,
        )),
        severe: false,
        inpatient_procedure: None,
    },
    Chronic {
        condition: c("53741008", "Coronary Heart Disease"),
        incidence: [0.0, 0.005, 0.015],
        medication: Some((c("309362", "Clopidogrel 75 MG Oral Tablet"), 5_708)),
        severe: true,
        inpatient_procedure: Some((
            c("415070008", "Percutaneous coronary intervention"),
            2_358_233,
        )),
    },
    Chronic {
        condition: c("49436004", "Atrial Fibrillation"),
        incidence: [0.0, 0.003, 0.012],
        medication: Some((c("855332", "Warfarin Sodium 5 MG Oral Tablet"), 8_430)),
        severe: true,
        inpatient_procedure: Some((c("180325003", "Electrical cardioversion"), 2_448_797)),
    },
    Chronic {
        condition: c("431855005", "Chronic kidney disease stage 1 (disorder)"),
        incidence: [0.001, 0.004, 0.01],
        medication: None,
        severe: true,
        inpatient_procedure: None,
    },
];

/// An acute illness: where it is seen, how long it lasts, what is prescribed.
#[derive(Clone, Copy, Debug)]
pub struct Acute {
    /// The condition.
    pub condition: Concept,
    /// Encounter class it is usually seen in.
    pub class: &'static str,
    /// Relative weight among acute illnesses (children, adults).
    pub weight: [f64; 2],
    /// Duration range in days.
    pub days: (u32, u32),
    /// A prescription, with cost per dispense in cents.
    pub medication: Option<(Concept, i64)>,
    /// A procedure done at the visit, with cost in cents.
    pub procedure: Option<(Concept, i64)>,
}

/// Acute illnesses (they resolve).
pub const ACUTE: [Acute; 9] = [
    Acute {
        condition: c("444814009", "Viral sinusitis (disorder)"),
        class: "ambulatory",
        weight: [3.0, 5.0],
        days: (7, 21),
        medication: None,
        procedure: None,
    },
    Acute {
        condition: c("195662009", "Acute viral pharyngitis (disorder)"),
        class: "ambulatory",
        weight: [4.0, 3.0],
        days: (5, 14),
        medication: Some((c("313782", "Acetaminophen 325 MG Oral Tablet"), 560)),
        procedure: None,
    },
    Acute {
        condition: c("10509002", "Acute bronchitis (disorder)"),
        class: "outpatient",
        weight: [2.0, 3.0],
        days: (7, 21),
        medication: Some((c("313782", "Acetaminophen 325 MG Oral Tablet"), 560)),
        procedure: None,
    },
    Acute {
        condition: c("65363002", "Otitis media (disorder)"),
        class: "ambulatory",
        weight: [4.0, 0.3],
        days: (7, 14),
        medication: Some((c("308182", "Amoxicillin 250 MG Oral Capsule"), 825)),
        procedure: None,
    },
    Acute {
        condition: c("43878008", "Streptococcal sore throat (disorder)"),
        class: "outpatient",
        weight: [2.0, 1.0],
        days: (7, 14),
        medication: Some((
            c("834061", "Penicillin V Potassium 250 MG Oral Tablet"),
            1_045,
        )),
        procedure: None,
    },
    Acute {
        condition: c("36971009", "Sinusitis (disorder)"),
        class: "outpatient",
        weight: [1.0, 2.0],
        days: (10, 28),
        medication: Some((
            c(
                "562251",
                "Amoxicillin 250 MG / Clavulanate 125 MG Oral Tablet",
            ),
            8_368,
        )),
        procedure: None,
    },
    Acute {
        condition: c("44465007", "Sprain of ankle (disorder)"),
        class: "urgentcare",
        weight: [0.25, 0.35],
        days: (14, 42),
        medication: Some((c("849574", "Naproxen sodium 220 MG Oral Tablet"), 1_759)),
        procedure: Some((c("274474001", "Bone immobilization"), 11_723)),
    },
    Acute {
        condition: c("284549007", "Laceration of hand (disorder)"),
        class: "urgentcare",
        weight: [0.15, 0.15],
        days: (7, 21),
        medication: None,
        procedure: Some((c("288086009", "Suture open wound (procedure)"), 47_321)),
    },
    Acute {
        condition: c("68235000", "Nasal congestion (finding)"),
        class: "outpatient",
        weight: [1.5, 1.0],
        days: (3, 10),
        medication: None,
        procedure: None,
    },
];

/// A concept with its cost in cents.
pub type Priced = (Concept, i64);

/// Emergency presentations: (condition, procedure with cost in cents, whether it usually leads to admission).
pub const EMERGENCY: [(Concept, Option<Priced>, bool); 5] = [
    (
        c("29857009", "Chest pain (finding)"),
        Some((c("40701008", "Echocardiography (procedure)"), 89_655)),
        true,
    ),
    (
        c("22298006", "Myocardial Infarction"),
        Some((
            c("415070008", "Percutaneous coronary intervention"),
            2_358_233,
        )),
        true,
    ),
    (
        c("263102004", "Fracture subluxation of wrist"),
        Some((c("274474001", "Bone immobilization"), 76_212)),
        false,
    ),
    (c("55680006", "Drug overdose"), None, true),
    (
        c("233604007", "Pneumonia (disorder)"),
        Some((c("399208008", "Plain chest X-ray (procedure)"), 33_210)),
        true,
    ),
];

/// Social findings Synthea 3.x records at adult check-ups.
pub const EMPLOYMENT: [(Concept, f64); 3] = [
    (c("160903007", "Full-time employment (finding)"), 0.62),
    (c("160904001", "Part-time employment (finding)"), 0.18),
    (c("73438004", "Unemployed (finding)"), 0.20),
];

/// Other findings recorded at check-ups, with their yearly probability for adults.
pub const FINDINGS: [(Concept, f64); 3] = [
    (c("73595000", "Stress (finding)"), 0.25),
    (c("423315002", "Limited social contact (finding)"), 0.12),
    (c("314529007", "Medication review due (situation)"), 0.0),
];

/// Procedures done at check-ups, with cost in cents.
pub const SCREENING: [(Concept, i64); 3] = [
    (c("171207006", "Depression screening (procedure)"), 43_140),
    (
        c("430193006", "Medication reconciliation (procedure)"),
        43_140,
    ),
    (
        c(
            "710824005",
            "Assessment of health and social care needs (procedure)",
        ),
        43_140,
    ),
];

/// Childhood vaccines by age in months at which they are given (CVX).
pub const CHILD_VACCINES: [(u32, Concept); 12] = [
    (0, c("08", "Hep B  adolescent or pediatric")),
    (2, c("20", "DTaP")),
    (2, c("10", "IPV")),
    (2, c("49", "Hib (PRP-OMP)")),
    (2, c("133", "Pneumococcal conjugate PCV 13")),
    (2, c("119", "rotavirus  monovalent")),
    (12, c("03", "MMR")),
    (12, c("21", "varicella")),
    (12, c("83", "Hep A  ped/adol  2 dose")),
    (132, c("115", "Tdap")),
    (132, c("62", "HPV  quadrivalent")),
    (132, c("114", "meningococcal MCV4P")),
];

/// The seasonal flu vaccine.
pub const FLU: Concept = c("140", "Influenza  seasonal  injectable  preservative free");
/// Vaccine cost in cents.
pub const VACCINE_CENTS: i64 = 13_601;

/// Encounter types: (class, code, description, base cost in cents).
pub const WELLNESS_ADULT: (Concept, i64) = (
    c("162673000", "General examination of patient (procedure)"),
    13_680,
);
/// Child check-up.
pub const WELLNESS_CHILD: (Concept, i64) = (c("410620009", "Well child visit (procedure)"), 13_680);
/// Follow-up of a chronic condition.
pub const FOLLOW_UP: (Concept, i64) = (c("390906007", "Follow-up encounter (procedure)"), 8_555);
/// Ambulatory visit for a symptom.
pub const SYMPTOM: (Concept, i64) = (c("185345009", "Encounter for symptom (procedure)"), 8_555);
/// Outpatient visit for a problem.
pub const PROBLEM: (Concept, i64) = (c("185347001", "Encounter for problem (procedure)"), 8_555);
/// Urgent care visit.
pub const URGENT: (Concept, i64) = (c("702927004", "Urgent care clinic (procedure)"), 14_258);
/// Emergency room visit.
pub const EMERGENCY_ROOM: (Concept, i64) = (
    c("50849002", "Emergency room admission (procedure)"),
    14_618,
);
/// Inpatient admission.
pub const INPATIENT: (Concept, i64) = (
    c("183452005", "Emergency hospital admission (procedure)"),
    10_640,
);
/// Cost of one inpatient day, in cents (billed as a procedure line).
pub const INPATIENT_DAY: (Concept, i64) = (
    c(
        "410401003",
        "Nursing care/supplementary surveillance (regime/therapy)",
    ),
    181_345,
);

/// Vital signs written at check-ups: (LOINC, description, units).
pub const VITALS: [(&str, &str, &str); 6] = [
    ("8302-2", "Body Height", "cm"),
    ("29463-7", "Body Weight", "kg"),
    ("39156-5", "Body mass index (BMI) [Ratio]", "kg/m2"),
    ("8480-6", "Systolic Blood Pressure", "mm[Hg]"),
    ("8462-4", "Diastolic Blood Pressure", "mm[Hg]"),
    ("8867-4", "Heart rate", "/min"),
];

/// A place: city, county, county FIPS, ZIP, latitude, longitude, weight.
pub type Place = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    f64,
    f64,
    f64,
);

/// Massachusetts cities, weighted roughly by population.
pub const PLACES: [Place; 20] = [
    (
        "Boston",
        "Suffolk County",
        "25025",
        "02108",
        42.3601,
        -71.0589,
        6.5,
    ),
    (
        "Worcester",
        "Worcester County",
        "25027",
        "01608",
        42.2626,
        -71.8023,
        2.0,
    ),
    (
        "Springfield",
        "Hampden County",
        "25013",
        "01103",
        42.1015,
        -72.5898,
        1.6,
    ),
    (
        "Cambridge",
        "Middlesex County",
        "25017",
        "02139",
        42.3736,
        -71.1097,
        1.2,
    ),
    (
        "Lowell",
        "Middlesex County",
        "25017",
        "01852",
        42.6334,
        -71.3162,
        1.1,
    ),
    (
        "Brockton",
        "Plymouth County",
        "25023",
        "02301",
        42.0834,
        -71.0184,
        1.0,
    ),
    (
        "Quincy",
        "Norfolk County",
        "25021",
        "02169",
        42.2529,
        -71.0023,
        1.0,
    ),
    (
        "Lynn",
        "Essex County",
        "25009",
        "01902",
        42.4668,
        -70.9495,
        1.0,
    ),
    (
        "New Bedford",
        "Bristol County",
        "25005",
        "02740",
        41.6362,
        -70.9342,
        1.0,
    ),
    (
        "Fall River",
        "Bristol County",
        "25005",
        "02720",
        41.7015,
        -71.1550,
        0.9,
    ),
    (
        "Newton",
        "Middlesex County",
        "25017",
        "02458",
        42.3370,
        -71.2092,
        0.9,
    ),
    (
        "Somerville",
        "Middlesex County",
        "25017",
        "02143",
        42.3876,
        -71.0995,
        0.8,
    ),
    (
        "Framingham",
        "Middlesex County",
        "25017",
        "01701",
        42.2793,
        -71.4162,
        0.7,
    ),
    (
        "Pittsfield",
        "Berkshire County",
        "25003",
        "01201",
        42.4501,
        -73.2454,
        0.4,
    ),
    (
        "Barnstable",
        "Barnstable County",
        "25001",
        "02630",
        41.7003,
        -70.3002,
        0.5,
    ),
    (
        "Northampton",
        "Hampshire County",
        "25015",
        "01060",
        42.3251,
        -72.6412,
        0.3,
    ),
    (
        "Greenfield",
        "Franklin County",
        "25011",
        "01301",
        42.5876,
        -72.5995,
        0.2,
    ),
    (
        "Plymouth",
        "Plymouth County",
        "25023",
        "02360",
        41.9584,
        -70.6673,
        0.6,
    ),
    (
        "Salem",
        "Essex County",
        "25009",
        "01970",
        42.5195,
        -70.8967,
        0.4,
    ),
    (
        "Chicopee",
        "Hampden County",
        "25013",
        "01020",
        42.1487,
        -72.6079,
        0.5,
    ),
];

/// Given names by gender (digits are appended, as Synthea does by default).
pub const FIRST_NAMES_F: [&str; 24] = [
    "Emma",
    "Olivia",
    "Ava",
    "Sophia",
    "Isabella",
    "Mia",
    "Charlotte",
    "Amelia",
    "Harper",
    "Evelyn",
    "Abigail",
    "Emily",
    "Elizabeth",
    "Sofia",
    "Avery",
    "Ella",
    "Scarlett",
    "Grace",
    "Chloe",
    "Maria",
    "Mei",
    "Aaliyah",
    "Concepción",
    "Ana Lucía",
];
/// Given names (male).
pub const FIRST_NAMES_M: [&str; 24] = [
    "Liam",
    "Noah",
    "William",
    "James",
    "Oliver",
    "Benjamin",
    "Elijah",
    "Lucas",
    "Mason",
    "Logan",
    "Alexander",
    "Ethan",
    "Jacob",
    "Michael",
    "Daniel",
    "Henry",
    "Jackson",
    "Sebastian",
    "Aiden",
    "Matthew",
    "Wei",
    "Malik",
    "José Luis",
    "Víctor",
];
/// Family names.
pub const LAST_NAMES: [&str; 30] = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Nguyen",
    "O'Brien",
    "Kowalski",
];
/// Street names.
pub const STREETS: [&str; 12] = [
    "Maple",
    "Oak",
    "Washington",
    "Lake",
    "Hill",
    "Elm",
    "Pine",
    "Cedar",
    "Main",
    "Park",
    "Chestnut",
    "Walnut",
];
/// Street suffixes.
pub const STREET_SUFFIXES: [&str; 6] = ["Street", "Avenue", "Road", "Lane", "Way", "Court"];

/// Payers: name, ownership, share of costs covered (per mille).
pub const PAYERS: [(&str, &str, i64); 9] = [
    ("Medicare", "GOVERNMENT", 800),
    ("Medicaid", "GOVERNMENT", 1000),
    ("Dual Eligible", "GOVERNMENT", 1000),
    ("Blue Cross Blue Shield", "PRIVATE", 850),
    ("Aetna", "PRIVATE", 800),
    ("UnitedHealthcare", "PRIVATE", 780),
    ("Cigna Health", "PRIVATE", 820),
    ("Humana", "PRIVATE", 750),
    ("NO_INSURANCE", "NO_INSURANCE", 0),
];

/// Provider specialities with weights.
pub const SPECIALITIES: [(&str, f64); 5] = [
    ("GENERAL PRACTICE", 6.0),
    ("INTERNAL MEDICINE", 2.0),
    ("CARDIOLOGY", 0.6),
    ("EMERGENCY MEDICINE", 1.0),
    ("PEDIATRICS", 1.0),
];
