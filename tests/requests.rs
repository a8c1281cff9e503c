//! `medpacket request` end to end: letters to the holders of missing records, read back
//! with poppler and qpdf, and their tracking in packet.toml through `check` as days pass.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::*;

const TOML: &str = r#"# Ana's records
[patient]
name = "Ana Ruiz"
date_of_birth = 1968-04-12
address = "12 Elm St, Springfield, IL 62701"
phone = "555-0100"
email = "ana@example.org"

[history]
had_surgery = true

[request]
profile = "oncology"

[recipient]
name = "Dr. Omar Haddad"
facility = "Lakeside Cancer Center"
address = "1 Lake Rd, Chicago, IL 60601"
fax = "555-0142"

[[holders]]
name = "Riverside Hospital"   # where the biopsy was done
address = "400 River Rd, Springfield, IL 62702"
phone = "555-0198"
fax = "555-0199"
mrn = "RH-448812"
kinds = ["pathology-report", "operative-report", "slides"]

[[holders]]
name = "Valley Imaging"
department = "Film Library"
email = "records@valley.example"
phone = "555-0177"
mrn = "VI-2231"
kinds = ["imaging-report", "imaging"]
"#;

/// An oncology folder that lacks its pathology report and imaging: operative report,
/// treatment plan and medication list only.
fn folder(root: &Path, toml: &str) -> PathBuf {
    let dir = root.join("records");
    std::fs::create_dir_all(&dir).expect("mkdir");
    write_files(
        &dir,
        &[
            ("packet.toml", toml.as_bytes().to_vec()),
            (
                "op.pdf",
                simple_pdf(
                    "OPERATIVE REPORT",
                    &["Date of Surgery: 03/14/2025", "Synthetic record."],
                ),
            ),
            (
                "plan.pdf",
                simple_pdf(
                    "TREATMENT PLAN",
                    &["Date of Service: 04/02/2025", "Synthetic."],
                ),
            ),
            (
                "meds.pdf",
                simple_pdf("MEDICATION LIST", &["Date: 04/02/2025", "Synthetic."]),
            ),
        ],
    );
    dir
}

/// Seconds since 1970 at midnight UTC of a day (YYYY-MM-DD), for SOURCE_DATE_EPOCH.
fn epoch(day: &str) -> String {
    let d: chrono::NaiveDate = day.parse().expect("day");
    d.and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
        .timestamp()
        .to_string()
}

/// Runs medpacket with the clock on `day`.
fn on(day: &str, args: &[&str], dir: &Path) -> Output {
    medpacket()
        .env("SOURCE_DATE_EPOCH", epoch(day))
        .args(args)
        .arg(dir)
        .output()
        .expect("run medpacket")
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The whole PDF's text with every run of white space as one space (None without poppler).
fn flat_text(pdf: &Path) -> Option<String> {
    if !require_tool("pdftotext") {
        return None;
    }
    let o = Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    Some(
        String::from_utf8_lossy(&o.stdout)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    )
}

fn pdf_pages(pdf: &Path) -> Option<u32> {
    if !require_tool("pdfinfo") {
        return None;
    }
    let o = Command::new("pdfinfo").arg(pdf).output().expect("pdfinfo");
    assert!(o.status.success());
    String::from_utf8_lossy(&o.stdout).lines().find_map(|l| {
        l.strip_prefix("Pages:")
            .map(|v| v.trim().parse().expect("n"))
    })
}

fn qpdf_ok(pdf: &Path) {
    if !require_tool("qpdf") {
        return;
    }
    let o = Command::new("qpdf")
        .arg("--check")
        .arg(pdf)
        .output()
        .expect("qpdf");
    assert!(
        o.status.success(),
        "qpdf --check {}: {}",
        pdf.display(),
        String::from_utf8_lossy(&o.stdout)
    );
}

fn check_json(day: &str, dir: &Path) -> Value {
    let o = on(day, &["check", "--json"], dir);
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|_| panic!("no JSON: {}", String::from_utf8_lossy(&o.stderr)))
}

fn request_of<'a>(v: &'a Value, holder: &str) -> &'a Value {
    v["requests"]
        .as_array()
        .and_then(|a| a.iter().find(|r| r["holder"] == holder))
        .unwrap_or_else(|| panic!("no request to {holder}: {v}"))
}

/// Every file of the records folder but packet.toml, with its checksum.
fn records_but_toml(dir: &Path) -> Vec<(PathBuf, String)> {
    sha256_tree(dir)
        .into_iter()
        .filter(|(p, _)| !p.ends_with("packet.toml"))
        .collect()
}

#[test]
fn request_letters_carry_every_field_and_are_tracked_until_answered() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = folder(tmp.path(), TOML);
    let before = records_but_toml(&dir);

    let out = ok(&on("2026-03-02", &["request", "--json"], &dir));
    let v: Value = serde_json::from_str(&out).expect("json");
    let letters = v["letters"].as_array().expect("letters");
    assert_eq!(letters.len(), 2, "{v}");
    let requests_dir = tmp.path().join("records-requests");
    let riverside = requests_dir.join("records-request-riverside-hospital-2026-03-02.pdf");
    let valley = requests_dir.join("records-request-valley-imaging-2026-03-02.pdf");
    assert!(riverside.is_file() && valley.is_file(), "{v}");
    assert_eq!(
        letters[0]["kinds"],
        serde_json::json!(["pathology-report", "slides"])
    );
    assert_eq!(letters[0]["fax_cover"], true);
    assert_eq!(
        letters[1]["kinds"],
        serde_json::json!(["imaging-report", "imaging"])
    );
    assert_eq!(letters[1]["fax_cover"], false);
    // Nothing in the records folder changed but packet.toml, whose comments stay.
    assert_eq!(records_but_toml(&dir), before);
    let toml = std::fs::read_to_string(dir.join("packet.toml")).expect("toml");
    assert!(toml.starts_with(TOML), "{toml}");
    assert_eq!(toml.matches("[[requests]]").count(), 2, "{toml}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&riverside)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let mode = std::fs::metadata(&requests_dir)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o777,
            0o700,
            "the letters' folder is the owner's only"
        );
    }

    for pdf in [&riverside, &valley] {
        qpdf_ok(pdf);
    }
    if let (Some(n), Some(cover)) = (pdf_pages(&riverside), pdftotext_page(&riverside, 1)) {
        assert_eq!(letters[0]["pages"], n);
        // The fax cover first: to the holder's fax, counting its own page.
        let cover = cover.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(cover.starts_with("Fax"), "{cover}");
        for want in [
            &format!("{n}, including this cover page"),
            "Request for medical records — Ana Ruiz",
            "Riverside Hospital, Health Information Management",
            "555-0199",
            "Confidential",
        ] {
            assert!(cover.contains(want), "fax cover lacks {want:?}: {cover}");
        }
    }
    if let Some(first) = pdftotext_page(&valley, 1) {
        assert!(
            !first.trim_start().starts_with("Fax"),
            "no fax, no cover: {first}"
        );
    }

    let common = [
        // The patient.
        "Ana Ruiz",
        "Date of birth: April 12, 1968",
        "Address: 12 Elm St, Springfield, IL 62701",
        "Phone: 555-0100",
        // The format, where to, the purpose, the right of access, expiry and signature.
        "Please send an electronic copy (PDF by e-mail or through a secure patient portal)",
        "please send a paper copy",
        "Please send them to me: Ana Ruiz 12 Elm St, Springfield, IL 62701",
        "At my request, for a second opinion.",
        "45 CFR 164.524",
        "within 30 days of receiving it",
        "a reasonable, cost-based amount",
        "This request expires on August 29, 2026 (180 days after the date of this letter)",
        "Signature: ______________________________ Date: ________________",
        "March 2, 2026",
    ];
    let riverside_wants = [
        "Riverside Hospital Health Information Management 400 River Rd, Springfield, IL 62702",
        "Medical record number (MRN) at Riverside Hospital: RH-448812",
        "Pathology reports, from January 1, 2025 to the present, including final reports and addenda",
        "The glass slides (or, if the slides cannot be lent, the paraffin tissue blocks) of every biopsy and surgical specimen, from January 1, 2025 to the present",
    ];
    let valley_wants = [
        "Valley Imaging Film Library",
        "E-mail: records@valley.example",
        "Dear Film Library team",
        "Medical record number (MRN) at Valley Imaging: VI-2231",
        "Imaging reports, from January 1, 2025 to the present, including final reports and addenda",
        "The images of my imaging studies, from January 1, 2025 to the present, in DICOM format on a CD or by electronic share, with their written reports",
    ];
    for (pdf, own) in [
        (&riverside, &riverside_wants[..]),
        (&valley, &valley_wants[..]),
    ] {
        let Some(text) = flat_text(pdf) else { break };
        for want in common.iter().chain(own) {
            assert!(
                text.contains(want),
                "{} lacks {want:?}:\n{text}",
                pdf.display()
            );
        }
        // Operative report is present: not asked for.
        assert!(!text.contains("Operative reports"), "{text}");
    }

    // Written, not sent: check says to send it.
    let v = check_json("2026-03-02", &dir);
    assert_eq!(request_of(&v, "Riverside Hospital")["state"], "not-sent");
    assert_eq!(
        request_of(&v, "Riverside Hospital")["written"],
        "2026-03-02"
    );

    // Sent the next day: due 30 days later, open until then, with the holder's phone.
    let said = ok(&on(
        "2026-03-03",
        &["request", "--mark-sent", "Riverside Hospital"],
        &dir,
    ));
    assert!(said.contains("due by 2026-04-02"), "{said}");
    let toml = std::fs::read_to_string(dir.join("packet.toml")).expect("toml");
    assert!(
        toml.contains("sent = 2026-03-03\ndue = 2026-04-02"),
        "{toml}"
    );
    assert!(toml.contains("# where the biopsy was done"), "{toml}");
    let v = check_json("2026-03-20", &dir);
    let r = request_of(&v, "Riverside Hospital");
    assert_eq!(r["state"], "open", "{r}");
    assert_eq!(r["due"], "2026-04-02");
    assert_eq!(r["phone"], "555-0198");
    assert_eq!(request_of(&v, "Valley Imaging")["state"], "not-sent");
    let text = ok_or_one(&on("2026-03-20", &["check"], &dir));
    assert!(
        text.contains("open     Riverside Hospital (pathology-report, slides), sent 2026-03-03, due 2026-04-02 (phone 555-0198)"),
        "{text}"
    );

    // A day past due: overdue, with the number to call.
    let v = check_json("2026-04-03", &dir);
    assert_eq!(request_of(&v, "Riverside Hospital")["state"], "overdue");
    let text = ok_or_one(&on("2026-04-03", &["check"], &dir));
    assert!(
        text.contains("OVERDUE  Riverside Hospital (pathology-report, slides), sent 2026-03-03, was due 2026-04-02 — call 555-0198"),
        "{text}"
    );

    // An older pathology report does not answer it; one dated after the letter does.
    write_files(
        &dir,
        &[(
            "old-path.pdf",
            simple_pdf(
                "SURGICAL PATHOLOGY REPORT",
                &["Date of Procedure: 02/20/2026", "Synthetic."],
            ),
        )],
    );
    let v = check_json("2026-04-05", &dir);
    assert_eq!(request_of(&v, "Riverside Hospital")["state"], "overdue");
    write_files(
        &dir,
        &[(
            "path-addendum.pdf",
            simple_pdf(
                "SURGICAL PATHOLOGY REPORT",
                &["Date of Procedure: 03/10/2026", "Addendum. Synthetic."],
            ),
        )],
    );
    let v = check_json("2026-04-05", &dir);
    let r = request_of(&v, "Riverside Hospital");
    assert_eq!(r["state"], "answered", "{r}");
    assert_eq!(r["answered_by"], serde_json::json!(["path-addendum.pdf"]));
    assert_eq!(r["waiting_for"], serde_json::json!(["slides"]));
    let text = ok_or_one(&on("2026-04-05", &["check"], &dir));
    assert!(
        text.contains("answered Riverside Hospital (pathology-report, slides): path-addendum.pdf is now in the folder, dated after the letter of 2026-03-02; slides do not come as files"),
        "{text}"
    );
}

/// stdout of a `check` that may say "not ready" (exit 1) but did not fail.
fn ok_or_one(o: &Output) -> String {
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn received_answers_a_request_for_imaging_alone() {
    let tmp = tempfile::tempdir().expect("tmp");
    let toml = format!(
        "{TOML}\n[[requests]]\nholder = \"Valley Imaging\"\nkinds = [\"imaging\"]\nwritten = 2026-01-05\nsent = 2026-01-06\n"
    );
    let dir = folder(tmp.path(), &toml);
    let v = check_json("2026-03-01", &dir);
    let r = request_of(&v, "Valley Imaging");
    assert_eq!(r["state"], "overdue", "{r}");
    assert_eq!(r["due"], "2026-02-05");
    let toml = toml.replace(
        "sent = 2026-01-06\n",
        "sent = 2026-01-06\nreceived = 2026-02-10\n",
    );
    std::fs::write(dir.join("packet.toml"), toml).expect("write");
    let v = check_json("2026-03-01", &dir);
    assert_eq!(request_of(&v, "Valley Imaging")["state"], "answered");
}

#[test]
fn a_second_letter_to_a_holder_gets_a_new_name() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = folder(tmp.path(), TOML);
    let out = tmp.path().join("letters");
    let args = ["request", "--holder", "riverside hospital", "-o"];
    let first = on(
        "2026-03-02",
        &[&args[..], &[out.to_str().expect("utf-8")]].concat(),
        &dir,
    );
    ok(&first);
    let name = out.join("records-request-riverside-hospital-2026-03-02.pdf");
    let bytes = std::fs::read(&name).expect("first letter");
    let second = on(
        "2026-03-02",
        &[&args[..], &[out.to_str().expect("utf-8")]].concat(),
        &dir,
    );
    let said = ok(&second);
    let again = out.join("records-request-riverside-hospital-2026-03-02 (2).pdf");
    assert!(
        said.contains("riverside-hospital-2026-03-02 (2).pdf"),
        "{said}"
    );
    assert!(again.is_file());
    assert_eq!(
        std::fs::read(&name).expect("kept"),
        bytes,
        "the first letter is kept"
    );
    // Only the named holder, each letter tracked once.
    assert!(!out
        .join("records-request-valley-imaging-2026-03-02.pdf")
        .exists());
    let toml = std::fs::read_to_string(dir.join("packet.toml")).expect("toml");
    assert_eq!(
        toml.matches("holder = \"Riverside Hospital\"").count(),
        2,
        "{toml}"
    );

    // Letters never go into the records folder.
    let inside = dir.join("letters");
    let o = on(
        "2026-03-02",
        &["request", "-o", inside.to_str().expect("utf-8")],
        &dir,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is inside the records folder"));
}

#[test]
fn a_holder_that_cannot_be_written_to_is_named_with_the_fix() {
    let tmp = tempfile::tempdir().expect("tmp");
    let toml = TOML.replace("email = \"records@valley.example\"\n", "");
    let dir = folder(tmp.path(), &toml);
    let o = on("2026-03-02", &["request"], &dir);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    // The second [[holders]] header is on line 29.
    assert!(
        err.contains("line 29: [[holders]] \"Valley Imaging\" has no address, fax or e-mail")
            && err.contains("add address = \"…\", fax = \"…\" or email = \"…\"")
            && err.contains("555-0177"),
        "{err}"
    );
    assert!(
        !tmp.path().join("records-requests").exists(),
        "no letter written"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("packet.toml")).expect("toml"),
        toml,
        "packet.toml unchanged"
    );

    // An unknown holder and an unknown kind are named too.
    let dir2 = folder(&tmp.path().join("b"), TOML);
    let o = on("2026-03-02", &["request", "--holder", "Nowhere"], &dir2);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("no [[holders]] entry named \"Nowhere\"")
            && err.contains("\"Valley Imaging\""),
        "{err}"
    );
    std::fs::write(
        dir2.join("packet.toml"),
        TOML.replace(
            "kinds = [\"imaging-report\", \"imaging\"]",
            "kinds = [\"imaging-report\", \"x-rays\"]",
        ),
    )
    .expect("write");
    let o = on("2026-03-02", &["request"], &dir2);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("line 35") && err.contains("\"x-rays\" is not a kind of record"),
        "{err}"
    );
}

#[test]
fn letters_in_spanish_and_straight_to_the_doctor() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = folder(tmp.path(), TOML);
    ok(&on(
        "2026-03-02",
        &["request", "--lang", "es", "--send-to", "doctor"],
        &dir,
    ));
    let pdf = tmp
        .path()
        .join("records-requests/records-request-riverside-hospital-2026-03-02.pdf");
    qpdf_ok(&pdf);
    let Some(text) = flat_text(&pdf) else { return };
    for want in [
        "Solicitud de historia clínica — Ana Ruiz",
        "Asunto: Solicitud de copias de mi historia clínica — Ana Ruiz, nacido/a el 12 de abril de 1968",
        "Informes de patología, desde el 1 de enero de 2025 hasta hoy, incluidos los informes definitivos y sus adendas",
        "laminillas de vidrio",
        "envíenlos directamente al médico de mi segunda opinión: Dr. Omar Haddad, Lakeside Cancer Center 1 Lake Rd, Chicago, IL 60601 Fax: 555-0142",
        "A petición mía, para una segunda opinión.",
        "45 CFR 164.524",
        "30 días",
        "Esta solicitud caduca el 29 de agosto de 2026",
        "Firma:",
        "RH-448812",
    ] {
        assert!(text.contains(want), "lacks {want:?}:\n{text}");
    }
}

#[cfg(unix)]
#[test]
fn packet_toml_is_updated_as_the_patient_keeps_it_its_permissions_and_its_link() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = folder(tmp.path(), TOML);
    let toml = dir.join("packet.toml");
    std::fs::set_permissions(&toml, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let out = tmp.path().join("letters");
    ok(&on(
        "2026-03-02",
        &["request", "-o", out.to_str().expect("utf-8")],
        &dir,
    ));
    let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
    assert!(std::fs::read_to_string(&toml)
        .expect("toml")
        .contains("[[requests]]"));
    assert_eq!(
        mode(&toml),
        0o644,
        "the request kept packet.toml's permissions"
    );
    ok(&on(
        "2026-03-03",
        &["request", "--mark-sent", "Riverside Hospital"],
        &dir,
    ));
    assert_eq!(mode(&toml), 0o644, "marking it sent kept them too");

    // A packet.toml that links to a file kept elsewhere: that file is updated, and the
    // link stays a link.
    let shared = tmp.path().join("shared.toml");
    std::fs::rename(&toml, &shared).expect("move");
    std::os::unix::fs::symlink(&shared, &toml).expect("link");
    ok(&on(
        "2026-03-04",
        &["request", "--mark-sent", "Valley Imaging"],
        &dir,
    ));
    assert!(std::fs::symlink_metadata(&toml)
        .expect("meta")
        .file_type()
        .is_symlink());
    let text = std::fs::read_to_string(&shared).expect("shared");
    assert!(text.contains("sent = 2026-03-04"), "{text}");
    assert_eq!(mode(&shared), 0o644);
}
