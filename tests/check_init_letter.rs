//! `medpacket check`, `init` and `letter` end to end, on the sample folder and on folders
//! made inside the tests.

mod support;

use serde_json::Value;
use std::path::Path;
use std::process::Output;
use support::*;

fn run(args: &[&str], dir: &Path) -> Output {
    medpacket()
        .args(args)
        .arg(dir)
        .output()
        .expect("run medpacket")
}

fn check_json(dir: &Path) -> (Option<i32>, Value) {
    let o = run(&["check", "--json"], dir);
    let v = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|_| panic!("no JSON: {}", String::from_utf8_lossy(&o.stderr)));
    (o.status.code(), v)
}

fn requirement<'a>(v: &'a Value, kind: &str) -> Option<&'a Value> {
    v["requirements"]
        .as_array()?
        .iter()
        .find(|r| r["kind"] == kind)
}

const ONCOLOGY: &str = "[patient]\nname = \"Ana Ruiz\"\n\n[history]\nhad_surgery = true\nhospitalized = false\n\n[request]\nprofile = \"oncology\"\n";

/// An oncology folder with every required record except those in `leave_out`.
fn oncology_folder(dir: &Path, leave_out: &[&str]) {
    let docs: [(&str, &str, &str); 5] = [
        (
            "path.pdf",
            "SURGICAL PATHOLOGY REPORT",
            "Date of Procedure: 03/14/2025",
        ),
        ("op.pdf", "OPERATIVE REPORT", "Date of Surgery: 03/14/2025"),
        ("plan.pdf", "TREATMENT PLAN", "Date of Service: 04/02/2025"),
        ("meds.pdf", "MEDICATION LIST", "Date: 04/02/2025"),
        ("ct.pdf", "RADIOLOGY REPORT", "Exam date: 02/18/2025"),
    ];
    let mut files: Vec<(&str, Vec<u8>)> = vec![("packet.toml", ONCOLOGY.as_bytes().to_vec())];
    for (name, title, date) in docs {
        if !leave_out.contains(&name) {
            files.push((
                name,
                simple_pdf(title, &[date, "Synthetic record for tests."]),
            ));
        }
    }
    write_files(dir, &files);
}

#[test]
fn complete_oncology_folder_is_ready() {
    let tmp = tempfile::tempdir().expect("tmp");
    oncology_folder(tmp.path(), &[]);
    let (code, v) = check_json(tmp.path());
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(v["ready"], true);
    assert_eq!(v["profile"], "oncology");
    let path = requirement(&v, "pathology-report").expect("pathology required");
    assert_eq!(path["level"], "required");
    assert_eq!(path["present"], true);
    assert_eq!(path["files"][0], "path.pdf");
    let imaging = requirement(&v, "imaging-report").expect("imaging recommended");
    assert_eq!(imaging["level"], "recommended");
    assert!(v["unclassified"].as_array().is_some_and(Vec::is_empty));
    assert!(v["problems"].as_array().is_some_and(Vec::is_empty));

    // The sample folder is complete too, and the text report says so.
    let o = run(&["check"], &sample_records_dir());
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("Ready to send."));
}

#[test]
fn missing_pathology_is_not_ready_and_says_where_to_get_it() {
    let tmp = tempfile::tempdir().expect("tmp");
    oncology_folder(tmp.path(), &["path.pdf"]);
    let (code, v) = check_json(tmp.path());
    assert_eq!(code, Some(1));
    assert_eq!(v["ready"], false);
    let path = requirement(&v, "pathology-report").expect("pathology");
    assert_eq!(path["present"], false);
    assert!(path["hint"]
        .as_str()
        .is_some_and(|h| h.contains("pathology")));
    let o = run(&["check"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("MISSING  pathology-report"), "{text}");
    assert!(
        text.contains("Not ready: 1 required record(s) missing"),
        "{text}"
    );

    // A missing recommended record does not make the folder unready.
    let tmp = tempfile::tempdir().expect("tmp");
    oncology_folder(tmp.path(), &["ct.pdf"]);
    assert_eq!(check_json(tmp.path()).0, Some(0));
}

#[test]
fn history_decides_whether_operative_and_discharge_reports_are_required() {
    let tmp = tempfile::tempdir().expect("tmp");
    write_files(
        tmp.path(),
        &[
            ("packet.toml", b"[patient]\nname = \"Ana Ruiz\"\n[history]\nhad_surgery = false\n[request]\nprofile = \"oncology\"\n".to_vec()),
            ("path.pdf", simple_pdf("SURGICAL PATHOLOGY REPORT", &["Date of Procedure: 03/14/2025"])),
            ("plan.pdf", simple_pdf("TREATMENT PLAN", &["Date of Service: 04/02/2025"])),
        ],
    );
    let (code, v) = check_json(tmp.path());
    assert!(
        requirement(&v, "operative-report").is_none(),
        "no surgery: no operative report needed"
    );
    assert!(
        requirement(&v, "discharge-summary").is_none(),
        "no stay: no discharge summary needed"
    );
    let not: Vec<&str> = v["not_required"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|n| n["kind"].as_str())
        .collect();
    assert_eq!(not, ["operative-report", "discharge-summary"]);
    // Only the medication list is missing; [[medications]] in packet.toml supplies it.
    assert_eq!(code, Some(1));
    assert_eq!(
        requirement(&v, "medication-list").expect("meds")["present"],
        false
    );
    let with_meds = "[patient]\nname = \"Ana Ruiz\"\n[history]\nhad_surgery = false\n[request]\nprofile = \"oncology\"\n[[medications]]\nname = \"Tamoxifen\"\ndose = \"20 mg\"\n";
    std::fs::write(tmp.path().join("packet.toml"), with_meds).expect("write");
    let (code, v) = check_json(tmp.path());
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(
        requirement(&v, "medication-list").expect("meds")["files"][0],
        "packet.toml [[medications]]"
    );

    // With surgery, the operative report becomes required.
    let surgery = with_meds.replace("had_surgery = false", "had_surgery = true");
    std::fs::write(tmp.path().join("packet.toml"), surgery).expect("write");
    let (code, v) = check_json(tmp.path());
    assert_eq!(code, Some(1));
    assert_eq!(
        requirement(&v, "operative-report").expect("op")["level"],
        "required"
    );
}

#[test]
fn folder_required_kinds_unclassified_files_and_problems_are_reported() {
    let tmp = tempfile::tempdir().expect("tmp");
    oncology_folder(tmp.path(), &[]);
    let toml = ONCOLOGY.replace(
        "profile = \"oncology\"",
        "profile = \"oncology\"\nrequired = [\"lab-results\"]",
    );
    write_files(
        tmp.path(),
        &[
            ("packet.toml", toml.into_bytes()),
            ("photo.jpg", jpeg(200, 300)),
            ("locked.pdf", encrypted_pdf("pw", "owner", &["LAB RESULTS"])),
        ],
    );
    let (code, v) = check_json(tmp.path());
    assert_eq!(code, Some(1));
    assert_eq!(
        requirement(&v, "lab-results").expect("lab")["level"],
        "required"
    );
    assert_eq!(v["unclassified"], serde_json::json!(["photo.jpg"]));
    assert_eq!(v["problems"][0]["path"], "locked.pdf");
    assert!(v["problems"][0]["reason"]
        .as_str()
        .is_some_and(|r| r.contains("password")));
}

#[test]
fn check_cannot_check_exits_2_naming_the_line() {
    let tmp = tempfile::tempdir().expect("tmp");
    let o = run(&["check"], &tmp.path().join("missing"));
    assert_eq!(o.status.code(), Some(2));
    write_files(
        tmp.path(),
        &[(
            "packet.toml",
            b"[patient]\nname = \"A\"\n\n[history]\nhad_surgery = maybe\n".to_vec(),
        )],
    );
    let o = run(&["check"], tmp.path());
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("packet.toml") && err.contains("line 5"),
        "{err}"
    );
    write_files(
        tmp.path(),
        &[(
            "packet.toml",
            b"[patient]\nname = \"A\"\n[request]\nprofile = \"cardiology\"\n".to_vec(),
        )],
    );
    let o = run(&["check"], tmp.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("oncology"),
        "names the known profiles"
    );
}

#[test]
fn init_writes_a_packet_toml_that_round_trips_and_never_overwrites() {
    let tmp = tempfile::tempdir().expect("tmp");
    let recs = tmp.path().join("recs");
    copy_tree(&sample_records_dir(), &recs);
    std::fs::remove_file(recs.join("packet.toml")).expect("rm");
    write_files(
        &recs,
        &[("locked.pdf", encrypted_pdf("pw", "owner", &["LAB RESULTS"]))],
    );
    let scan = |dir: &Path| -> Value {
        let o = run(&["scan", "--json"], dir);
        assert!(o.status.success());
        serde_json::from_slice(&o.stdout).expect("json")
    };
    let before = scan(&recs);
    let o = run(&["init"], &recs);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let written = std::fs::read_to_string(recs.join("packet.toml")).expect("packet.toml written");
    let table: toml::Table = toml::from_str(&written).expect("init output is valid TOML");
    assert!(table.contains_key("patient"));
    assert!(
        written.contains("# PROBLEM locked.pdf: password-protected"),
        "problems are listed"
    );
    assert!(
        written.contains("path = \"scan0001.pdf\"\nkind = \"pathology-report\"\ndate = 2025-03-14"),
        "{written}"
    );

    // Scanning with the written packet.toml gives the same kinds, dates and titles.
    let after = scan(&recs);
    let key = |v: &Value| -> Vec<(String, Value, Value, Value, Value)> {
        v["files"]
            .as_array()
            .expect("files")
            .iter()
            .map(|f| {
                (
                    f["path"].as_str().unwrap_or("").to_string(),
                    f["kind"].clone(),
                    f["date"].clone(),
                    f["title"].clone(),
                    f["status"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(key(&after), key(&before));

    // check runs on it: not ready while the name is the placeholder.
    let (code, v) = check_json(&recs);
    assert_eq!(code, Some(1));
    assert!(v["problems"].to_string().contains("placeholder"));
    let b = medpacket()
        .arg("build")
        .arg(&recs)
        .arg("-o")
        .arg(tmp.path().join("p.pdf"))
        .output()
        .expect("build");
    assert_eq!(b.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&b.stderr).contains("placeholder"));

    // A second init leaves the file alone.
    let o = run(&["init"], &recs);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("already exists"));
    assert_eq!(
        std::fs::read_to_string(recs.join("packet.toml")).expect("read"),
        written
    );
}

#[test]
fn letter_pdf_names_recipient_patient_primary_doctor_and_every_record_kind() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("letter.pdf");
    let o = medpacket()
        .arg("letter")
        .arg(sample_records_dir())
        .arg("-o")
        .arg(&out)
        .output()
        .expect("letter");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    if require_tool("qpdf") {
        let q = std::process::Command::new("qpdf")
            .arg("--check")
            .arg(&out)
            .output()
            .expect("qpdf");
        assert!(q.status.success(), "{}", String::from_utf8_lossy(&q.stdout));
    }
    if !require_tool("pdftotext") {
        return;
    }
    let t = std::process::Command::new("pdftotext")
        .arg(&out)
        .arg("-")
        .output()
        .expect("pdftotext");
    let text = String::from_utf8_lossy(&t.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for needle in [
        "Amara Okonkwo, MD",
        "Ingrid Sørensen-Łukasiewicz",
        "Ruth Oyelaran-Beck, MD",
        "Helena Marsh, MD",
        "Pathology reports",
        "Operative reports",
        "Discharge summaries",
        "Treatment plans",
        "Medication lists",
        "Consultation notes",
        "Imaging reports",
        "Lab results",
        "Other records",
        "Surgical pathology report, 2025-03-14",
        "Questions for the doctor",
        "January 1, 2026",
    ] {
        assert!(text.contains(needle), "letter lacks {needle:?}:\n{text}");
    }
}

#[test]
fn letter_txt_with_a_users_template_and_non_latin_names() {
    let tmp = tempfile::tempdir().expect("tmp");
    let recs = tmp.path().join("recs");
    write_files(
        &recs,
        &[
            (
                "packet.toml",
                "[patient]\nname = \"Дмитрий Łukasz Ñúñez\"\n[recipient]\nname = \"Dr. Νίκη Παππά\"\n[primary_doctor]\nname = \"Dr. Zoë Brandt\"\n".as_bytes().to_vec(),
            ),
            ("lab.pdf", simple_pdf("LABORATORY RESULTS", &["Collected: 2025-03-27"])),
        ],
    );
    let template = tmp.path().join("mine.txt");
    std::fs::write(&template, "To {{ recipient.name }} from {{ patient.name }}: {% for r in records %}{{ r.kind_label }} {{ r.date }}; {% endfor %}").expect("write");
    let out = tmp.path().join("l.txt");
    let o = medpacket()
        .arg("letter")
        .arg(&recs)
        .arg("-o")
        .arg(&out)
        .arg("--template")
        .arg(&template)
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read_to_string(&out).expect("read"),
        "To Dr. Νίκη Παππά from Дмитрий Łukasz Ñúñez: Lab results 2025-03-27;\n"
    );

    let pdf = tmp.path().join("l.pdf");
    let o = medpacket()
        .arg("letter")
        .arg(&recs)
        .arg("-o")
        .arg(&pdf)
        .output()
        .expect("run");
    assert!(o.status.success());
    if require_tool("pdftotext") {
        let t = std::process::Command::new("pdftotext")
            .arg(&pdf)
            .arg("-")
            .output()
            .expect("pdftotext");
        let text = String::from_utf8_lossy(&t.stdout);
        assert!(
            text.contains("Дмитрий Łukasz Ñúñez")
                && text.contains("Νίκη Παππά")
                && text.contains("Zoë Brandt"),
            "{text}"
        );
    }

    // A broken template is an error naming the template and the line.
    std::fs::write(&template, "Hello\n{% for r in records %}\n{{ r.title }").expect("write");
    let o = medpacket()
        .arg("letter")
        .arg(&recs)
        .arg("-o")
        .arg(tmp.path().join("x.txt"))
        .arg("--template")
        .arg(&template)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("mine.txt") && err.contains("line 3"), "{err}");
    // A misspelt name is an error naming the template, its line and the names there are,
    // not a blank in the letter; a doctor packet.toml does not name may still be asked for.
    let letter = |text: &str| {
        std::fs::write(&template, text).expect("write");
        medpacket()
            .arg("letter")
            .arg(&recs)
            .arg("-o")
            .arg(tmp.path().join("t.txt"))
            .arg("--force")
            .arg("--template")
            .arg(&template)
            .output()
            .expect("run")
    };
    for typo in ["recipeint.name", "patient.nmae"] {
        let o = letter(&format!(
            "Dear {{{{ recipient.name }}}},\n{{% if referring_doctor %}}{{{{ referring_doctor.fax }}}}{{% endif %}} from {{{{ {typo} }}}}.\n"
        ));
        assert_eq!(o.status.code(), Some(2), "{typo}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("mine.txt")
                && err.contains("line 2")
                && err.contains(typo)
                && err.contains("patient.name"),
            "{err}"
        );
    }
    let o = letter("Dear {{ recipient.name }},{% if referring_doctor %} cc {{ referring_doctor.fax }}{% endif %} {{ records | length }}\n");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("t.txt")).expect("read"),
        "Dear Dr. Νίκη Παππά, 1\n"
    );
    // Other extensions are refused, an existing letter is kept without --force.
    let o = medpacket()
        .arg("letter")
        .arg(&recs)
        .arg("-o")
        .arg(tmp.path().join("x.docx"))
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    let o = medpacket()
        .arg("letter")
        .arg(&recs)
        .arg("-o")
        .arg(&pdf)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("already exists"));
}
