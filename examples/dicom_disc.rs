//! Writes a synthetic copied imaging CD of N DICOM files for the DICOM benchmark: a
//! DICOMDIR, studies of a fictional patient in several series (CT, MR, US), each image
//! with its header and pixel data of the given size, and the disc's viewer files.
//!
//! `cargo run --release --example dicom_disc -- DIR N [PIXEL_BYTES]`

#[path = "../tests/support/dicom.rs"]
#[allow(dead_code)]
mod dicom;

use dicom::{dicomdir, numbered_image, Image};

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().expect("DIR"));
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(2000);
    let pixels: usize = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(128 * 1024);
    let disc = dir.join("imaging-cd");
    std::fs::create_dir_all(&disc).expect("create folder");
    let studies = [
        (
            "2.25.7001",
            "20250110",
            "CT",
            "CT CHEST ABDOMEN PELVIS W CONTRAST",
            "CHEST",
        ),
        (
            "2.25.7002",
            "20250302",
            "MR",
            "MRI BRAIN W/WO CONTRAST",
            "HEAD",
        ),
        (
            "2.25.7003",
            "20250415",
            "US",
            "US ABDOMEN COMPLETE",
            "ABDOMEN",
        ),
        ("2.25.7004", "20250520", "CT", "CT CHEST FOLLOW-UP", "CHEST"),
    ];
    let mut refs = Vec::new();
    for i in 0..n {
        let (study, date, modality, description, body_part) = studies[i % studies.len()];
        let series = format!("{study}.{}", i % 7);
        let rel = format!("DICOM/S{}/SE{}/IM{:06}", i % studies.len(), i % 7, i);
        let path = disc.join(&rel);
        std::fs::create_dir_all(path.parent().expect("write the disc")).expect("create folder");
        let img = Image {
            patient: "Doe^Jane",
            patient_id: "PID-0042",
            birth: "19700102",
            study_uid: study,
            series_uid: &series,
            date,
            modality,
            description,
            body_part,
            charset: "ISO_IR 100",
        };
        // Each file is an image of its own, as on a real disc.
        let bytes = numbered_image(&img, pixels, &format!("2.25.8{i}"));
        std::fs::write(&path, bytes).expect("write image");
        refs.push(rel);
    }
    let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
    std::fs::write(disc.join("DICOMDIR"), dicomdir(&refs)).expect("write DICOMDIR");
    std::fs::write(disc.join("AUTORUN.INF"), "[autorun]\r\nopen=viewer.exe\r\n")
        .expect("write the disc");
    std::fs::write(disc.join("VIEWER.EXE"), b"MZ\x90\x00").expect("write the disc");
    std::fs::write(
        dir.join("packet.toml"),
        "[patient]\nname = \"Jane Doe\"\ndate_of_birth = 1970-01-02\n",
    )
    .expect("write the disc");
}
