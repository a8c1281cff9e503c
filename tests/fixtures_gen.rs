//! The generator of `fixtures/sample-records/`, and tests of the builders in `tests/support`.
//!
//! Regenerate the checked-in sample folder with
//! `cargo test --test fixtures_gen -- --ignored regenerate_sample_records`.
//! `checked_in_sample_records_match_their_generator` fails whenever the folder and this
//! generator disagree.
//!
//! Everything here is synthetic: the patient, the doctors, the hospitals, every number and date.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lopdf::{Document, LoadOptions, Object};
use support::*;

// ---------------------------------------------------------------------------------------------
// The sample records folder
// ---------------------------------------------------------------------------------------------

const PATHOLOGY_P1: &str = "\
LAKESHORE GENERAL HOSPITAL - DEPARTMENT OF PATHOLOGY
1200 Harbor View Drive, Harbor City, OR 97999   Tel (503) 555-0142
SURGICAL PATHOLOGY REPORT
Patient: SORENSEN-LUKASIEWICZ, INGRID        MRN: LGH-00447129
DOB: 04/12/1968    Sex: F                    Accession: S25-01873
Date of Procedure: 2025-03-14
Date Received: 2025-03-14    Date Reported: 2025-03-19
Surgeon: Samuel Achterberg, MD    Pathologist: Priya Raman, MD

SPECIMENS
A. Left breast, total mastectomy (oriented: short suture superior)
B. Left axillary sentinel lymph node #1 (hot and blue)
C. Left axillary sentinel lymph node #2 (hot)

FINAL DIAGNOSIS
A. Left breast, total mastectomy:
   - Invasive ductal carcinoma (no special type), Nottingham grade 2
     (tubules 3, nuclear pleomorphism 2, mitoses 2; total 7/9)
   - Invasive tumor size: 2.4 cm, upper outer quadrant
   - Ductal carcinoma in situ, intermediate grade, about 15% of tumor
   - Lymphovascular invasion: not identified
   - Margins negative for carcinoma; closest margin deep, 0.6 cm
   - Nipple and skin: uninvolved
B. Sentinel lymph node #1: metastatic carcinoma in one of one node (1/1),
   largest deposit 3 mm, no extranodal extension
C. Sentinel lymph node #2: no carcinoma identified (0/1)

Pathologic stage (AJCC 8th edition): pT2 pN1a(sn)

(continued on page 2)";

const PATHOLOGY_P2: &str = "\
SURGICAL PATHOLOGY REPORT (continued)        Accession: S25-01873
Patient: SORENSEN-LUKASIEWICZ, INGRID        DOB: 04/12/1968

BIOMARKERS (block A3)
Estrogen receptor (ER): positive, 95% of cells, strong intensity
Progesterone receptor (PR): positive, 40% of cells, moderate intensity
HER2 by immunohistochemistry: 1+ (negative)
Ki-67 proliferation index: 18%

GROSS DESCRIPTION
A. Received fresh, labelled with the patient's name and \"left breast\",
a 612 g simple mastectomy specimen, 21 x 17 x 4.5 cm, with a 19 x 7 cm
ellipse of skin. Serial sectioning shows a firm, stellate, tan-white mass
of 2.4 x 2.0 x 1.8 cm in the upper outer quadrant, 0.6 cm from the deep
margin. Representative sections submitted in blocks A1-A14.
B, C. Two lymph nodes, 1.4 cm and 0.9 cm, entirely submitted.

MICROSCOPIC DESCRIPTION
Sections show an invasive carcinoma forming nests, cords and occasional
tubules, with moderate nuclear pleomorphism and up to 9 mitoses per
10 high-power fields. Associated DCIS is of intermediate nuclear grade
with comedo necrosis. Sentinel node #1 contains a 3 mm metastatic deposit
confined to the node capsule.

Electronically signed by Priya Raman, MD on 2025-03-19 16:42

Page 2 of 2";

const OPERATIVE: &str = "\
LAKESHORE GENERAL HOSPITAL
OPERATIVE REPORT
Patient: Sørensen-Lukasiewicz, Ingrid        MRN: LGH-00447129
DOB: 04/12/1968
Date of Surgery: 03/14/2025
Surgeon: Samuel Achterberg, MD
Assistant: Dana Whitfield, PA-C
Anesthesia: general endotracheal (Omar Haddad, MD)

Preoperative diagnosis: invasive ductal carcinoma, left breast, cT2 cN0
Postoperative diagnosis: same
Procedure: left total mastectomy; left axillary sentinel lymph node
biopsy with technetium-99m and isosulfan blue dye mapping

Findings: 2.5 cm firm palpable mass in the upper outer quadrant of the
left breast. Two sentinel lymph nodes identified (one hot and blue, one
hot only). No clinically suspicious non-sentinel nodes.

Description of procedure: The patient was identified in the preoperative
area and the left breast was marked. Technetium-99m sulfur colloid had
been injected in nuclear medicine. After induction of general anesthesia,
5 mL of isosulfan blue was injected in the subareolar area. An elliptical
incision was made and skin flaps were raised to the usual boundaries.
Through the lateral part of the incision the clavipectoral fascia was
opened and two sentinel nodes were removed and sent separately. The
breast was removed off the pectoralis major fascia, oriented with sutures
and sent to pathology. Hemostasis was obtained. Two 15 Fr drains were
placed and the incision was closed in layers.

Estimated blood loss: 75 mL.    Complications: none.
Specimens: left breast; sentinel lymph nodes #1 and #2.
Disposition: to the recovery room in stable condition; admitted.

Dictated by Samuel Achterberg, MD on 03/14/2025 at 14:05";

const DISCHARGE: &str = "\
LAKESHORE GENERAL HOSPITAL
DISCHARGE SUMMARY
Patient: SORENSEN-LUKASIEWICZ, INGRID    MRN: LGH-00447129
DOB: 04/12/1968
Admission Date: 03/14/2025
Discharge Date: 03/16/2025
Attending: Samuel Achterberg, MD       Service: Surgical Oncology

Admitting diagnosis: invasive ductal carcinoma of the left breast
Procedure: 03/14/2025 left total mastectomy with sentinel lymph node biopsy

Hospital course: Uncomplicated. Pain was controlled with oral analgesics
by postoperative day 1. Both drains with serous output (60 mL and 45 mL
in the last 24 hours). Tolerating a regular diet and walking on her own.
Drain care was taught to the patient and her daughter.

Discharge medications:
  Oxycodone 5 mg by mouth every 6 hours as needed for pain (up to 5 days)
  Acetaminophen 1000 mg by mouth every 8 hours
  Lisinopril 10 mg by mouth once daily (home medication, continued)
  Atorvastatin 20 mg by mouth at bedtime (home medication, continued)

Follow-up:
  Surgical clinic in 1 week for drain check (Dr. Achterberg)
  Medical oncology in 2 weeks to discuss adjuvant therapy (Dr. Marsh)

Condition at discharge: good.

Electronically signed by Samuel Achterberg, MD on 03/16/2025 at 11:20";

const TREATMENT_PLAN: &str = "\
NORTHFIELD CANCER CENTER
ONCOLOGY TREATMENT PLAN
Patient: Ingrid Sørensen-Lukasiewicz    DOB: 04/12/1968
MRN: NCC-2210457
Date of Service: April 2, 2025
Treating physician: Helena Marsh, MD (Medical Oncology)

Diagnosis: invasive ductal carcinoma, left breast, pT2 pN1a(sn) M0,
ER+ (95%) / PR+ (40%) / HER2-negative (IHC 1+), Nottingham grade 2
Stage: IIB (AJCC 8th edition, anatomic stage)
Oncotype DX Breast Recurrence Score: 18 (resulted 03/31/2025)
Menopausal status: postmenopausal

Treatment intent: curative (adjuvant)

Planned treatment:
 1. Endocrine therapy: anastrozole 1 mg by mouth once daily for 5 years,
    to start 04/15/2025.
 2. Radiation: referral to radiation oncology to consider post-mastectomy
    radiation to the chest wall and regional lymph nodes.
 3. Chemotherapy: not recommended at this time, based on the recurrence
    score and menopausal status.
 4. Bone health: baseline DEXA scan; calcium and vitamin D supplements.

Monitoring: clinic visit every 3 months in year 1; yearly mammogram of the
right breast; lipid panel every 6 months while on anastrozole.

The plan was discussed with the patient, who would like a second opinion
before starting radiation.

Helena Marsh, MD    Northfield Cancer Center    (503) 555-0177";

const CONSULTATION: &str = "\
NORTHFIELD CANCER CENTER - MEDICAL ONCOLOGY
CONSULTATION NOTE
Patient: Ingrid Sørensen-Lukasiewicz    DOB: 04/12/1968
MRN: NCC-2210457
Date of Service: March 27, 2025
Referring physician: Ruth Oyelaran-Beck, MD (primary care)
Consultant: Helena Marsh, MD

Reason for consultation: adjuvant therapy after left mastectomy for
invasive ductal carcinoma.

History of present illness: 56-year-old woman who noticed a lump in the
left breast in January 2025. Diagnostic mammogram and ultrasound on
02/18/2025 showed a 2.3 cm BI-RADS 5 mass; core biopsy on 02/21/2025
confirmed invasive ductal carcinoma. Left total mastectomy with sentinel
node biopsy on 03/14/2025: 2.4 cm, grade 2, one of two sentinel nodes
positive (3 mm deposit).

Past medical history: hypertension, hyperlipidemia. No prior cancer.
Family history: mother with breast cancer at age 71.
Social history: never smoker; works as a school librarian.
Medications: lisinopril 10 mg daily, atorvastatin 20 mg at bedtime.
Allergies: penicillin (rash).

Examination: healing left mastectomy incision without erythema; drains
removed; no palpable adenopathy. ECOG performance status 0.

Assessment: early-stage hormone receptor-positive, HER2-negative breast
cancer, pT2 pN1a(sn). Oncotype DX ordered to guide the decision about
chemotherapy.

Plan: await Oncotype DX; discuss endocrine therapy; refer to radiation
oncology; return visit in one week.

Helena Marsh, MD";

const IMAGING_P1: &str = "\
HARBOR CITY IMAGING CENTER
RADIOLOGY REPORT
Patient: SORENSEN-LUKASIEWICZ, INGRID     DOB: 04/12/1968
Exam: diagnostic mammogram, bilateral; ultrasound, left breast
Exam date: 02/18/2025       Accession: HCI-25-004417
Ordering physician: Ruth Oyelaran-Beck, MD

Clinical history: palpable lump in the upper outer left breast.

Comparison: screening mammogram of 01/09/2023.

Findings:
Mammogram: heterogeneously dense breasts (density category C). In the
left upper outer quadrant at 2 o'clock, 7 cm from the nipple, there is an
irregular spiculated mass of 2.3 cm with associated fine pleomorphic
calcifications. No suspicious findings in the right breast.
Ultrasound: irregular hypoechoic mass with angular margins at 2 o'clock,
7 cm from the nipple, 2.3 x 1.9 x 1.7 cm, corresponding to the mammogram
finding. Left axilla: no abnormal lymph nodes.

IMPRESSION:
1. Left breast mass at 2 o'clock, highly suggestive of malignancy.
   BI-RADS 5.
2. Ultrasound-guided core needle biopsy is recommended.

(continued)";

const IMAGING_P2: &str = "\
RADIOLOGY REPORT - ADDENDUM            Accession: HCI-25-004417
Patient: SORENSEN-LUKASIEWICZ, INGRID     DOB: 04/12/1968

Addendum 02/21/2025: ultrasound-guided 14-gauge core needle biopsy of
the left breast mass at 2 o'clock, performed without complication.
A biopsy clip was placed; the post-procedure mammogram confirms its
position. Pathology to follow.

Radiologist: Kenji Arakawa, MD    Signed 02/21/2025 10:12";

const LABS_P1: &str = "\
NORTHFIELD CANCER CENTER LABORATORY
LABORATORY RESULTS
Patient: SORENSEN-LUKASIEWICZ, INGRID    DOB: 04/12/1968
MRN: NCC-2210457
Collected: 2025-03-27 08:15    Received: 2025-03-27 09:02
Ordering provider: Helena Marsh, MD

COMPLETE BLOOD COUNT (CBC) WITH DIFFERENTIAL
Test                      Result   Flag   Units     Reference range
WBC                         6.8           K/uL      4.0 - 11.0
RBC                         4.31          M/uL      3.90 - 5.20
Hemoglobin                 12.9           g/dL      12.0 - 15.5
Hematocrit                 38.7           %         35.0 - 46.0
Platelets                   262           K/uL      150 - 400
Neutrophils, absolute       4.1           K/uL      1.8 - 7.7
Lymphocytes, absolute       1.9           K/uL      1.0 - 4.8

Continued on the next page: comprehensive metabolic panel.";

const LABS_P2: &str = "\
COMPREHENSIVE METABOLIC PANEL     Patient: SORENSEN-LUKASIEWICZ, INGRID     Collected: 2025-03-27 08:15
Test                          Result    Flag    Units          Reference range
Sodium                          139             mmol/L         135 - 145
Potassium                       4.2             mmol/L         3.5 - 5.1
Chloride                        103             mmol/L         98 - 107
Carbon dioxide                  25              mmol/L         22 - 29
Glucose                         97              mg/dL          70 - 99
Urea nitrogen (BUN)             15              mg/dL          7 - 20
Creatinine                      0.78            mg/dL          0.57 - 1.00
Calcium                         9.6             mg/dL          8.6 - 10.3
Total protein                   7.0             g/dL           6.0 - 8.5
Albumin                         4.3             g/dL           3.8 - 4.9
Total bilirubin                 0.5             mg/dL          0.0 - 1.2
Alkaline phosphatase            131       H     U/L            44 - 121
AST                             24              U/L            0 - 40
ALT                             21              U/L            0 - 32

Results verified by L. Fontaine, MLS(ASCP) on 2025-03-27 11:48.";

const PORTAL_MESSAGE: &str = "\
Northfield Patient Portal - Message
From: Northfield Cancer Center Care Team
To: Ingrid Sørensen-Lukasiewicz
Sent: 04/10/2025 3:42 PM
Subject: Your upcoming appointments and parking

Dear Ms. Sørensen-Lukasiewicz,

This is a reminder of your radiation oncology consultation next week.
Please arrive 20 minutes early and bring your insurance card and a list
of your medications. Parking is free in garage B; bring your ticket to
the front desk for validation.

If you have questions before your visit, reply to this message or call
(503) 555-0177, Monday to Friday, 8 am to 5 pm.

Northfield Cancer Center Care Team";

const MEDICATIONS_TXT: &str = "\
MEDICATION LIST
Patient: Ingrid Sørensen-Łukasiewicz    Date of birth: 1968-04-12
Last updated: 2025-04-02 (by the patient)

Current medications
- Anastrozole 1 mg tablet — 1 tablet by mouth once daily (to start 2025-04-15)
- Lisinopril 10 mg tablet — once daily in the morning (since 2019)
- Atorvastatin 20 mg tablet — once daily at bedtime (since 2021)
- Calcium carbonate 600 mg with vitamin D3 400 IU — twice daily with meals
- Vitamin D3 2000 IU — once daily

Stopped
- Oxycodone 5 mg — every 6 hours as needed for pain, 2025-03-16 to 2025-03-20
- Acetaminophen 1000 mg — every 8 hours, 2025-03-16 to 2025-03-28

Allergies: penicillin (rash)
";

const PACKET_TOML: &str = r#"# packet.toml — what medpacket cannot read from the records themselves.
# SYNTHETIC SAMPLE: every name, number, address and date in this folder is made up.

[patient]
name = "Ingrid Sørensen-Łukasiewicz"
date_of_birth = "1968-04-12"
phone = "(503) 555-0123"
email = "ingrid.sorensen@example.org"
address = "1427 Alder Creek Road, Apt 3B, Harbor City, OR 97999"
mrn = "LGH-00447129"

[diagnosis]
summary = "Invasive ductal carcinoma of the left breast, pT2 pN1a(sn) M0, grade 2, ER+/PR+/HER2-negative; left total mastectomy with sentinel lymph node biopsy on 2025-03-14."

[history]
had_surgery = true    # so the operative report is required
hospitalized = true   # so the discharge summary is required

[referring_doctor]
name = "Helena Marsh, MD"
facility = "Northfield Cancer Center"
phone = "(503) 555-0177"
fax = "(503) 555-0178"

[recipient]  # the doctor giving the second opinion
name = "Amara Okonkwo, MD"
facility = "Breast Oncology Second Opinion Clinic, Westbrook University Medical Center"
address = "900 University Avenue, Suite 410, Westbrook, WA 98999"
phone = "(206) 555-0190"
fax = "(206) 555-0191"

[primary_doctor]  # should receive the second opinion's report
name = "Ruth Oyelaran-Beck, MD"
facility = "Alder Creek Family Medicine"
phone = "(503) 555-0160"
fax = "(503) 555-0161"

[request]
profile = "oncology"
reason = "Second opinion on adjuvant treatment (radiation, and whether I need chemotherapy) before I start therapy."
questions = [
  "With an Oncotype DX recurrence score of 18 and one positive sentinel node, would you add chemotherapy to hormone therapy?",
  "Do I need radiation to the chest wall and lymph nodes after my mastectomy, and what are its long-term side effects?",
]
# default_questions = true  (the default: the standard second-opinion questions come first)

[[medications]]
name = "Anastrozole"
dose = "1 mg"
frequency = "once daily"
start = "2025-04-15"

[[medications]]
name = "Lisinopril"
dose = "10 mg"
frequency = "once daily"
start = "2019-06-01"
notes = "for blood pressure"

# Photos and screenshots have no text medpacket can read: say what they are.
[[documents]]
path = "phone/IMG_4410.jpg"
kind = "pathology-report"
date = "2025-02-21"
title = "Core needle biopsy pathology report (photo of the paper copy)"
source = "Lakeshore General Hospital"

[[documents]]
path = "phone/Screenshot lab.png"
kind = "lab-results"
date = "2025-04-01"
title = "Tumor markers CA 15-3 and CEA (portal screenshot)"

# A clearer title than the scan's own; kind and date still come from its text.
[[documents]]
path = "IMG_2291.pdf"
title = "Operative report — left total mastectomy and sentinel node biopsy"

# A two-page fax with no text layer; its date comes from the file name.
[[documents]]
path = "fax/fax_2025-03-05.tif"
kind = "other"
title = "Referral fax from primary care"
"#;

/// Every file of `fixtures/sample-records`, relative path → bytes.
fn sample_records() -> Vec<(&'static str, Vec<u8>)> {
    let letter = |text: &str| PageSpec::letter(text.lines());
    let discharge = text_pdf(&[letter(DISCHARGE)]);

    // A .DS_Store starts with this magic; a Thumbs.db is an OLE compound file.
    let mut ds_store = b"\x00\x00\x00\x01Bud1".to_vec();
    ds_store.resize(64, 0);
    let mut thumbs_db = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    thumbs_db.resize(512, 0);
    // Word's owner file: the user's name, padded.
    let mut word_lock = vec![6u8];
    word_lock.extend_from_slice(b"Ingrid");
    word_lock.resize(162, 0);

    vec![
        ("packet.toml", PACKET_TOML.as_bytes().to_vec()),
        ("medications.txt", MEDICATIONS_TXT.as_bytes().to_vec()),
        // Two Letter pages: /MediaBox and /Resources inherited from the page tree.
        (
            "scan0001.pdf",
            text_pdf(&[letter(PATHOLOGY_P1), letter(PATHOLOGY_P2)]),
        ),
        ("IMG_2291.pdf", text_pdf(&[letter(OPERATIVE)])),
        ("hospital/discharge_summary.pdf", discharge.clone()),
        ("hospital/discharge-copy.pdf", discharge),
        // Object streams and a cross-reference stream.
        (
            "oncology/treatment-plan.pdf",
            text_pdf_modern(&[letter(TREATMENT_PLAN)]),
        ),
        (
            "portal/Consultation note.pdf",
            text_pdf(&[PageSpec::a4(CONSULTATION.lines())]),
        ),
        // The addendum page was scanned sideways: /Rotate 90.
        (
            "portal/download (4).pdf",
            text_pdf(&[letter(IMAGING_P1), letter(IMAGING_P2).rotated(90)]),
        ),
        // A portrait and a landscape page: a /MediaBox on each page.
        (
            "portal/download (3).pdf",
            text_pdf(&[letter(LABS_P1), PageSpec::landscape(LABS_P2.lines())]),
        ),
        (
            "portal/message-2025-04-10.pdf",
            text_pdf(&[letter(PORTAL_MESSAGE)]),
        ),
        ("phone/IMG_4410.jpg", jpeg(600, 800)),
        ("phone/Screenshot lab.png", png(360, 640, true)),
        (
            "fax/fax_2025-03-05.tif",
            tiff_pages(&[(425, 550), (425, 550)]),
        ),
        // OS junk and temporary files: silently ignored.
        (".DS_Store", ds_store.clone()),
        ("phone/.DS_Store", ds_store),
        ("hospital/Thumbs.db", thumbs_db),
        (
            "desktop.ini",
            b"[.ShellClassInfo]\r\nIconResource=C:\\Windows\\System32\\imageres.dll,-3\r\n"
                .to_vec(),
        ),
        ("~$draft.docx", word_lock),
        (
            ".hidden-note.txt",
            b"Ask about parking validation. Not for the doctor.\n".to_vec(),
        ),
    ]
}

#[test]
#[ignore = "writes fixtures/sample-records; run on purpose to regenerate them"]
fn regenerate_sample_records() {
    let dir = sample_records_dir();
    if dir.exists() {
        std::fs::remove_dir_all(&dir).expect("remove the old sample-records folder");
    }
    write_files(&dir, &sample_records());
    let total: u64 = sha256_tree(&dir)
        .keys()
        .map(|p| {
            std::fs::metadata(dir.join(p))
                .expect("stat a fixture")
                .len()
        })
        .sum();
    eprintln!("wrote {} ({total} bytes)", dir.display());
}

#[test]
fn checked_in_sample_records_match_their_generator() {
    let fresh = tempfile::tempdir().expect("temp dir");
    write_files(fresh.path(), &sample_records());
    let expected = sha256_tree(fresh.path());
    let actual = sha256_tree(&sample_records_dir());
    let mut differences = Vec::new();
    for (path, hash) in &expected {
        match actual.get(path) {
            None => differences.push(format!("missing: {}", path.display())),
            Some(h) if h != hash => differences.push(format!("differs: {}", path.display())),
            Some(_) => {}
        }
    }
    for path in actual.keys().filter(|p| !expected.contains_key(*p)) {
        differences.push(format!("not generated: {}", path.display()));
    }
    assert!(
        differences.is_empty(),
        "fixtures/sample-records has drifted from its generator:\n  {}\n\
         Regenerate with: cargo test --test fixtures_gen -- --ignored regenerate_sample_records\n\
         (and check that git kept every file: `git status --ignored fixtures`)",
        differences.join("\n  ")
    );
}

#[test]
fn sample_records_are_small() {
    let files = sample_records();
    let total: usize = files.iter().map(|(_, bytes)| bytes.len()).sum();
    assert!(total < 400 * 1024, "sample records take {total} bytes");
}

#[test]
fn sample_pdfs_are_valid_and_show_their_titles() {
    let expected = [
        ("scan0001.pdf", 2, "SURGICAL PATHOLOGY REPORT"),
        ("IMG_2291.pdf", 1, "OPERATIVE REPORT"),
        ("hospital/discharge_summary.pdf", 1, "DISCHARGE SUMMARY"),
        ("hospital/discharge-copy.pdf", 1, "DISCHARGE SUMMARY"),
        ("oncology/treatment-plan.pdf", 1, "ONCOLOGY TREATMENT PLAN"),
        ("portal/Consultation note.pdf", 1, "CONSULTATION NOTE"),
        ("portal/download (4).pdf", 2, "RADIOLOGY REPORT"),
        ("portal/download (3).pdf", 2, "LABORATORY RESULTS"),
        (
            "portal/message-2025-04-10.pdf",
            1,
            "Patient Portal - Message",
        ),
    ];
    let dir = sample_records_dir();
    for (path, pages, title) in expected {
        let file = dir.join(path);
        let doc = Document::load(&file).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(doc.get_pages().len(), pages, "{path}");
        let text = doc
            .extract_text(&[1])
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(text.contains(title), "{path}: {text}");
        if require_tool("qpdf") {
            assert_qpdf_ok(&qpdf(&["--check"], &file), path);
        }
        if let Some(text) = pdftotext_page(&file, 1) {
            assert!(text.contains(title), "{path}: {text}");
        }
    }
    let all: Vec<PathBuf> = sha256_tree(&dir).into_keys().collect();
    let pdfs = all
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .count();
    assert_eq!(pdfs, expected.len(), "every sample PDF is checked here");
}

#[test]
fn sample_folder_has_the_documented_special_cases() {
    let dir = sample_records_dir();
    let read = |p: &str| std::fs::read(dir.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    assert_eq!(
        read("hospital/discharge_summary.pdf"),
        read("hospital/discharge-copy.pdf")
    );

    let imaging = Document::load_mem(&read("portal/download (4).pdf")).expect("imaging report");
    let rotates: Vec<i64> = imaging
        .page_iter()
        .map(|id| page_entry(&imaging, id, b"Rotate").map_or(0, |o| o.as_i64().expect("integer")))
        .collect();
    assert_eq!(rotates, [0, 90]);

    let consult = Document::load_mem(&read("portal/Consultation note.pdf")).expect("consultation");
    assert_eq!(media_box(&consult, 1), [0.0, 0.0, 595.0, 842.0]);
    let labs = Document::load_mem(&read("portal/download (3).pdf")).expect("labs");
    assert_eq!(media_box(&labs, 1), [0.0, 0.0, 612.0, 792.0]);
    assert_eq!(media_box(&labs, 2), [0.0, 0.0, 792.0, 612.0]);

    let plan = read("oncology/treatment-plan.pdf");
    assert!(
        contains(&plan, b"/ObjStm") && contains(&plan, b"/XRef"),
        "treatment plan uses object streams"
    );

    // Every [[documents]] path in packet.toml exists.
    let toml = String::from_utf8(read("packet.toml")).expect("UTF-8");
    let paths: Vec<&str> = toml
        .lines()
        .filter_map(|l| l.strip_prefix("path = \""))
        .map(|l| l.trim_end_matches('"'))
        .collect();
    assert_eq!(paths.len(), 4);
    for p in paths {
        assert!(
            dir.join(p).is_file(),
            "packet.toml names {p}, which does not exist"
        );
    }
    assert!(toml.contains("name = \"Ingrid Sørensen-Łukasiewicz\""));

    let junk = [
        ".DS_Store",
        "phone/.DS_Store",
        "hospital/Thumbs.db",
        "desktop.ini",
        "~$draft.docx",
        ".hidden-note.txt",
    ];
    for p in junk {
        assert!(dir.join(p).is_file(), "{p} is missing (did git ignore it?)");
    }
}

// ---------------------------------------------------------------------------------------------
// The builders
// ---------------------------------------------------------------------------------------------

#[test]
fn text_pdf_with_uniform_pages_inherits_media_box_and_resources() {
    let pdf = text_pdf(&[
        PageSpec::letter([
            "First page title",
            "Date of Service: 03/14/2025",
            "Sørensen (WinAnsi), Łukasz",
        ]),
        PageSpec::letter(["Second page", "Collected: 2025-03-27"]).rotated(90),
    ]);
    let doc = Document::load_mem(&pdf).expect("lopdf loads it");
    assert_eq!(doc.version, "1.4");
    let pages = doc.get_pages();
    assert_eq!(pages.len(), 2);

    let root = doc
        .catalog()
        .expect("catalog")
        .get(b"Pages")
        .expect("Pages")
        .as_reference()
        .expect("ref");
    let tree = doc.get_dictionary(root).expect("page tree");
    assert!(
        tree.has(b"MediaBox") && tree.has(b"Resources"),
        "inherited from the page tree"
    );
    for id in pages.values() {
        let page = doc.get_dictionary(*id).expect("page");
        assert!(!page.has(b"MediaBox") && !page.has(b"Resources"));
    }
    assert_eq!(media_box(&doc, 2), [0.0, 0.0, 612.0, 792.0]);
    assert!(page_entry(&doc, pages[&1], b"Rotate").is_none());
    assert_eq!(
        page_entry(&doc, pages[&2], b"Rotate").map(|o| o.as_i64().expect("int")),
        Some(90)
    );

    let text = doc.extract_text(&[1]).expect("text");
    assert_eq!(
        text,
        "First page title\nDate of Service: 03/14/2025\nSørensen (WinAnsi), ?ukasz\n"
    );
    assert_eq!(
        doc.extract_text(&[2]).expect("text"),
        "Second page\nCollected: 2025-03-27\n"
    );
}

#[test]
fn text_pdf_with_mixed_sizes_puts_media_box_on_each_page() {
    let pdf = text_pdf(&[
        PageSpec::letter(["portrait"]),
        PageSpec::landscape(["landscape"]),
        PageSpec::a4(["a4"]),
    ]);
    let doc = Document::load_mem(&pdf).expect("lopdf loads it");
    for (id, expected) in doc
        .page_iter()
        .zip([[612.0, 792.0], [792.0, 612.0], [595.0, 842.0]])
    {
        let page = doc.get_dictionary(id).expect("page");
        assert!(page.has(b"MediaBox") && page.has(b"Resources"));
        let mb: Vec<f32> = page
            .get(b"MediaBox")
            .expect("box")
            .as_array()
            .expect("array")
            .iter()
            .map(|o| o.as_float().expect("number"))
            .collect();
        assert_eq!(mb[2..], expected);
    }
}

#[test]
fn text_pdf_passes_qpdf_check_and_pdftotext_reads_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("t.pdf");
    std::fs::write(
        &file,
        text_pdf(&[
            PageSpec::letter([
                "SURGICAL PATHOLOGY REPORT",
                "Date of Procedure: 2025-03-14",
                "Patient: Sørensen",
            ]),
            PageSpec::landscape(["LAB RESULTS (landscape)", "Collected: 04/02/2025"]),
            PageSpec::letter(["RADIOLOGY REPORT (rotated)", "Exam date: April 2, 2025"])
                .rotated(90),
        ]),
    )
    .expect("write");
    if require_tool("qpdf") {
        assert_qpdf_ok(&qpdf(&["--check"], &file), "text_pdf");
    }
    if require_tool("pdfinfo") {
        let info = run("pdfinfo", &[file.as_os_str()]);
        let info = String::from_utf8_lossy(&info.stdout);
        assert!(info.contains("Pages:           3"), "{info}");
    }
    let expected: [&[&str]; 3] = [
        &[
            "SURGICAL PATHOLOGY REPORT",
            "Date of Procedure: 2025-03-14",
            "Patient: Sørensen",
        ],
        &["LAB RESULTS (landscape)", "Collected: 04/02/2025"],
        &["RADIOLOGY REPORT (rotated)", "Exam date: April 2, 2025"],
    ];
    for (page, lines) in (1..).zip(expected) {
        let Some(text) = pdftotext_page(&file, page) else {
            return;
        };
        let got: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(got, lines, "page {page}: {text:?}");
    }
}

#[test]
fn text_pdf_modern_uses_object_streams() {
    let pdf = text_pdf_modern(&[PageSpec::letter([
        "ONCOLOGY TREATMENT PLAN",
        "Date of Service: April 2, 2025",
    ])]);
    assert!(pdf.starts_with(b"%PDF-1.5"));
    assert!(contains(&pdf, b"/ObjStm") && contains(&pdf, b"/XRef"));
    let doc = Document::load_mem(&pdf).expect("lopdf loads it");
    assert_eq!(
        doc.extract_text(&[1]).expect("text"),
        "ONCOLOGY TREATMENT PLAN\nDate of Service: April 2, 2025\n"
    );
    if require_tool("qpdf") {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("modern.pdf");
        std::fs::write(&file, &pdf).expect("write");
        assert_qpdf_ok(&qpdf(&["--check"], &file), "text_pdf_modern");
    }
}

#[test]
fn builders_are_deterministic() {
    let pages = [PageSpec::letter(["a", "b"]), PageSpec::a4(["c"])];
    assert_eq!(text_pdf(&pages), text_pdf(&pages));
    assert_eq!(text_pdf_modern(&pages), text_pdf_modern(&pages));
    assert_eq!(jpeg(40, 30), jpeg(40, 30));
    assert_eq!(png(40, 30, true), png(40, 30, true));
    assert_eq!(
        tiff_pages(&[(20, 30), (20, 30)]),
        tiff_pages(&[(20, 30), (20, 30)])
    );
}

#[test]
fn simple_pdf_starts_with_its_title() {
    let doc = Document::load_mem(&simple_pdf(
        "DISCHARGE SUMMARY",
        &["Discharge Date: 03/16/2025"],
    ))
    .expect("load");
    assert_eq!(doc.get_pages().len(), 1);
    assert_eq!(
        doc.extract_text(&[1]).expect("text"),
        "DISCHARGE SUMMARY\nDischarge Date: 03/16/2025\n"
    );
    assert_eq!(media_box(&doc, 1), [0.0, 0.0, 612.0, 792.0]);
}

#[test]
fn encrypted_pdf_with_user_password_needs_it() {
    let pdf = encrypted_pdf(
        "user-secret",
        "owner-secret",
        &["LOCKED REPORT", "Collected: 2025-01-15"],
    );

    // lopdf without the password: the document loads but has no readable pages.
    let doc = Document::load_mem(&pdf).expect("lopdf loads an encrypted file without decrypting");
    assert!(doc.is_encrypted());
    assert_eq!(doc.get_pages().len(), 0);
    // With either password it decrypts.
    for password in ["user-secret", "owner-secret"] {
        let doc = Document::load_mem_with_options(&pdf, LoadOptions::with_password(password))
            .expect("decrypts");
        assert_eq!(doc.get_pages().len(), 1);
        assert_eq!(
            doc.extract_text(&[1]).expect("text"),
            "LOCKED REPORT\nCollected: 2025-01-15\n"
        );
    }
    assert!(
        Document::load_mem_with_options(&pdf, LoadOptions::with_password("wrong"))
            .map_or(true, |d| d.get_pages().is_empty())
    );

    if !require_tool("qpdf") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("locked.pdf");
    std::fs::write(&file, &pdf).expect("write");
    let without = qpdf(&["--check"], &file);
    assert!(
        !without.status.success(),
        "qpdf --check must fail without the password"
    );
    assert!(
        String::from_utf8_lossy(&without.stderr).contains("password"),
        "{without:?}"
    );
    assert_qpdf_ok(
        &qpdf(&["--password=user-secret", "--check"], &file),
        "with the user password",
    );
    assert_qpdf_ok(
        &qpdf(&["--password=owner-secret", "--check"], &file),
        "with the owner password",
    );
    let shown = qpdf(&["--password=user-secret", "--show-encryption"], &file);
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(
        shown.contains("R = 4") && shown.contains("AESv2"),
        "{shown}"
    );
}

#[test]
fn encrypted_pdf_with_empty_user_password_opens_without_one() {
    let pdf = encrypted_pdf(
        "",
        "owner-only",
        &["PORTAL DOWNLOAD", "Date of Service: 2025-02-03"],
    );
    let doc = Document::load_mem(&pdf).expect("load");
    assert_eq!(
        doc.get_pages().len(),
        1,
        "decrypted with the empty user password"
    );
    assert_eq!(
        doc.extract_text(&[1]).expect("text"),
        "PORTAL DOWNLOAD\nDate of Service: 2025-02-03\n"
    );

    if !require_tool("qpdf") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("owner-only.pdf");
    std::fs::write(&file, &pdf).expect("write");
    assert_qpdf_ok(&qpdf(&["--check"], &file), "owner-password-only PDF");
    let shown = qpdf(&["--show-encryption"], &file);
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(
        shown.contains("R = 4") && shown.contains("AESv2"),
        "{shown}"
    );
    assert!(
        qpdf(&["--requires-password"], &file).status.code() == Some(3),
        "no password required"
    );
    if let Some(text) = pdftotext_page(&file, 1) {
        assert!(text.contains("PORTAL DOWNLOAD"), "{text}");
    }
}

#[test]
fn tiff_has_one_ifd_per_page_and_pages_differ() {
    let bytes = tiff_pages(&[(120, 160), (120, 160), (200, 100)]);
    let mut decoder = tiff::decoder::Decoder::new(std::io::Cursor::new(&bytes)).expect("TIFF");
    let mut pages = Vec::new();
    loop {
        let dims = decoder.dimensions().expect("dimensions");
        assert_eq!(
            decoder.colortype().expect("color type"),
            tiff::ColorType::Gray(8)
        );
        match decoder.read_image().expect("page data") {
            tiff::decoder::DecodingResult::U8(data) => pages.push((dims, data)),
            other => panic!(
                "unexpected sample type {:?}",
                std::mem::discriminant(&other)
            ),
        }
        if !decoder.more_images() {
            break;
        }
        decoder.next_image().expect("next IFD");
    }
    assert_eq!(pages.len(), 3);
    assert_eq!(
        pages.iter().map(|(d, _)| *d).collect::<Vec<_>>(),
        [(120, 160), (120, 160), (200, 100)]
    );
    assert_ne!(pages[0].1, pages[1].1, "pages look different");
    // The image crate reads the first page too.
    let first = image::load_from_memory_with_format(&bytes, image::ImageFormat::Tiff)
        .expect("image reads it");
    assert_eq!((first.width(), first.height()), (120, 160));
}

#[test]
fn jpeg_and_png_decode_with_the_requested_size() {
    let j = image::load_from_memory(&jpeg(300, 400)).expect("JPEG");
    assert_eq!(
        (j.width(), j.height(), j.color()),
        (300, 400, image::ColorType::Rgb8)
    );
    assert_eq!(
        image::guess_format(&jpeg(10, 10)).expect("format"),
        image::ImageFormat::Jpeg
    );
    let p = image::load_from_memory(&png(64, 48, false)).expect("PNG");
    assert_eq!(
        (p.width(), p.height(), p.color()),
        (64, 48, image::ColorType::Rgb8)
    );
    let a = image::load_from_memory(&png(64, 48, true)).expect("PNG");
    assert_eq!(
        (a.width(), a.height(), a.color()),
        (64, 48, image::ColorType::Rgba8)
    );
    assert!(
        a.to_rgba8().pixels().any(|px| px.0[3] < 255),
        "some transparency"
    );
}

#[test]
fn broken_inputs_are_what_they_claim() {
    let truncated = truncated_pdf();
    assert!(truncated.starts_with(b"%PDF-"));
    assert!(!contains(&truncated, b"%%EOF") && !contains(&truncated, b"trailer"));
    assert!(
        Document::load_mem(&truncated).map_or(true, |d| d.get_pages().is_empty()),
        "lopdf finds no pages"
    );

    let html = html_error_page();
    assert!(html.starts_with(b"<!DOCTYPE html>") && !contains(&html, b"%PDF"));
    assert!(Document::load_mem(&html).is_err());

    let docx = fake_docx();
    assert!(docx.starts_with(b"PK\x03\x04"));
    assert!(Document::load_mem(&docx).is_err());

    if require_tool("qpdf") {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("truncated.pdf");
        std::fs::write(&file, &truncated).expect("write");
        assert!(
            !qpdf(&["--check"], &file).status.success(),
            "qpdf notices the damage"
        );
    }
}

#[test]
fn sha256_tree_sees_hidden_files_and_subfolders() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_files(
        dir.path(),
        &[
            ("a.txt", b"a".to_vec()),
            (".hidden", b"h".to_vec()),
            ("sub/deeper/b.pdf", b"b".to_vec()),
        ],
    );
    let tree = sha256_tree(dir.path());
    let expected: BTreeMap<PathBuf, String> = [
        (PathBuf::from(".hidden"), sha256_hex(b"h")),
        (PathBuf::from("a.txt"), sha256_hex(b"a")),
        (
            Path::new("sub").join("deeper").join("b.pdf"),
            sha256_hex(b"b"),
        ),
    ]
    .into_iter()
    .collect();
    assert_eq!(tree, expected);
    assert_eq!(
        sha256_hex(b"a"),
        "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"
    );

    let copy = tempfile::tempdir().expect("temp dir");
    copy_tree(dir.path(), copy.path());
    assert_eq!(sha256_tree(copy.path()), tree);
}

#[test]
fn tool_lookup() {
    assert!(!tool_available("medpacket-no-such-tool"));
    assert!(tool_available("sh") || cfg!(windows));
}

/// Runs this test binary's `require_tool_probe` in a child process, with and without
/// `MEDPACKET_REQUIRE_TOOLS=1`.
#[test]
fn require_tool_skips_or_panics() {
    let probe = |require: bool| {
        let mut command = Command::new(std::env::current_exe().expect("test binary"));
        command
            .args([
                "--exact",
                "require_tool_probe",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("MEDPACKET_SUPPORT_PROBE", "1");
        if require {
            command.env("MEDPACKET_REQUIRE_TOOLS", "1");
        } else {
            command.env_remove("MEDPACKET_REQUIRE_TOOLS");
        }
        command.output().expect("run the test binary")
    };
    let skipped = probe(false);
    assert!(skipped.status.success(), "{skipped:?}");
    assert!(
        String::from_utf8_lossy(&skipped.stderr)
            .contains("SKIPPED: medpacket-no-such-tool not installed"),
        "{skipped:?}"
    );
    let required = probe(true);
    assert!(!required.status.success(), "{required:?}");
    assert!(
        String::from_utf8_lossy(&required.stderr).contains("MEDPACKET_REQUIRE_TOOLS=1"),
        "{required:?}"
    );
}

/// Only acts when run by `require_tool_skips_or_panics`.
#[test]
fn require_tool_probe() {
    if std::env::var_os("MEDPACKET_SUPPORT_PROBE").is_none() {
        return;
    }
    assert!(!require_tool("medpacket-no-such-tool"));
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn run(program: &str, args: &[&std::ffi::OsStr]) -> Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"))
}

fn qpdf(args: &[&str], file: &Path) -> Output {
    let mut all: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_ref()).collect();
    all.push(file.as_os_str());
    run("qpdf", &all)
}

fn assert_qpdf_ok(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "qpdf failed on {what}: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A page's own entry or the one it inherits from the page tree.
fn page_entry<'a>(doc: &'a Document, page: lopdf::ObjectId, key: &[u8]) -> Option<&'a Object> {
    let mut dict = doc.get_dictionary(page).ok()?;
    loop {
        if let Ok(value) = dict.get(key) {
            return match value {
                Object::Reference(id) => doc.get_object(*id).ok(),
                other => Some(other),
            };
        }
        let parent = dict.get(b"Parent").ok()?.as_reference().ok()?;
        dict = doc.get_dictionary(parent).ok()?;
    }
}

fn media_box(doc: &Document, page: u32) -> [f32; 4] {
    let id = doc.get_pages()[&page];
    let values: Vec<f32> = page_entry(doc, id, b"MediaBox")
        .expect("a MediaBox")
        .as_array()
        .expect("an array")
        .iter()
        .map(|o| o.as_float().expect("a number"))
        .collect();
    values.try_into().expect("four numbers")
}
