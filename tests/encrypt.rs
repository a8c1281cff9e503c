//! `build --encrypt`: the packet and the bundle are protected with AES-256; the password
//! comes from a file, the environment or a prompt, never from the command line.

mod support;

use std::io::Read;
use std::path::Path;
use std::process::Command;
use support::*;

const PW: &str = "correct horse battery";

fn pdftotext(pdf: &Path, password: Option<&str>) -> String {
    let mut c = Command::new("pdftotext");
    if let Some(pw) = password {
        c.arg("-upw").arg(pw);
    }
    let o = c.arg(pdf).arg("-").output().expect("pdftotext");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn encrypted_packet_opens_only_with_the_password_and_reads_the_same() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (plain, locked, zip) = (
        tmp.path().join("plain.pdf"),
        tmp.path().join("locked.pdf"),
        tmp.path().join("b.zip"),
    );
    let o = medpacket()
        .arg("build")
        .arg(sample_records_dir())
        .arg("-o")
        .arg(&plain)
        .output()
        .expect("run");
    assert!(o.status.success());
    let o = medpacket()
        .arg("build")
        .arg(sample_records_dir())
        .arg("-o")
        .arg(&locked)
        .arg("--zip")
        .arg(&zip)
        .arg("--encrypt")
        .env("MEDPACKET_PASSWORD", PW)
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        !std::fs::read(&locked)
            .expect("read")
            .windows(PW.len())
            .any(|w| w == PW.as_bytes()),
        "the password is not in the file"
    );

    if require_tool("qpdf") {
        let no = Command::new("qpdf")
            .arg("--check")
            .arg(&locked)
            .output()
            .expect("qpdf");
        assert!(
            !no.status.success(),
            "qpdf must not open it without the password"
        );
        assert!(String::from_utf8_lossy(&no.stderr).contains("invalid password"));
        let yes = Command::new("qpdf")
            .arg(format!("--password={PW}"))
            .arg("--check")
            .arg(&locked)
            .output()
            .expect("qpdf");
        assert!(
            yes.status.success(),
            "{}",
            String::from_utf8_lossy(&yes.stderr)
        );
        let enc = Command::new("qpdf")
            .arg(format!("--password={PW}"))
            .arg("--show-encryption")
            .arg(&locked)
            .output()
            .expect("qpdf");
        let enc = String::from_utf8_lossy(&enc.stdout);
        assert!(enc.contains("R = 6"), "AES-256 (revision 6): {enc}");
        assert!(enc.contains("AESv3"), "{enc}");
    }
    if require_tool("pdftotext") {
        assert_eq!(
            pdftotext(&locked, Some(PW)),
            pdftotext(&plain, None),
            "same text once opened"
        );
    }

    // Every bundle member is AES-encrypted; with the password they are the real files.
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip).expect("open")).expect("zip");
    for i in 0..archive.len() {
        assert!(
            archive.by_index_raw(i).expect("member").encrypted(),
            "member {i} is not encrypted"
        );
    }
    let mut packet = Vec::new();
    archive
        .by_name_decrypt("packet.pdf", PW.as_bytes())
        .expect("decrypt")
        .read_to_end(&mut packet)
        .expect("read");
    assert_eq!(packet, std::fs::read(&locked).expect("pdf"));
    let mut original = Vec::new();
    archive
        .by_name_decrypt("originals/scan0001.pdf", PW.as_bytes())
        .expect("decrypt")
        .read_to_end(&mut original)
        .expect("read");
    assert_eq!(
        original,
        std::fs::read(sample_records_dir().join("scan0001.pdf")).expect("orig")
    );

    // verify needs the password (from a file here), and says so without it.
    let pwfile = tmp.path().join("pw.txt");
    std::fs::write(&pwfile, format!("{PW}\n")).expect("write");
    let ok = medpacket()
        .arg("verify")
        .arg(&zip)
        .arg("--password-file")
        .arg(&pwfile)
        .output()
        .expect("run");
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let none = medpacket().arg("verify").arg(&zip).output().expect("run");
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("MEDPACKET_PASSWORD"));
    let wrong = medpacket()
        .arg("verify")
        .arg(&zip)
        .env("MEDPACKET_PASSWORD", "not it at all")
        .output()
        .expect("run");
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("does not open"));
}

#[test]
fn passwords_come_from_a_file_never_from_the_command_line() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("p.pdf");
    let pwfile = tmp.path().join("pw.txt");
    std::fs::write(&pwfile, format!("{PW}\nsecond line is ignored\n")).expect("write");
    let o = medpacket()
        .arg("build")
        .arg(sample_records_dir())
        .arg("-o")
        .arg(&out)
        .arg("--encrypt")
        .arg("--password-file")
        .arg(&pwfile)
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    if require_tool("qpdf") {
        let yes = Command::new("qpdf")
            .arg(format!("--password={PW}"))
            .arg("--check")
            .arg(&out)
            .output()
            .expect("qpdf");
        assert!(yes.status.success());
    }
    // There is no option that takes the password itself.
    let o = medpacket()
        .arg("build")
        .arg(sample_records_dir())
        .arg("-o")
        .arg(tmp.path().join("x.pdf"))
        .arg("--encrypt")
        .arg("--password")
        .arg(PW)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert!(!tmp.path().join("x.pdf").exists());
    // No terminal, no file, no variable: a clear message, nothing written.
    let o = medpacket()
        .arg("build")
        .arg(sample_records_dir())
        .arg("-o")
        .arg(tmp.path().join("y.pdf"))
        .arg("--encrypt")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--password-file"));
    assert!(!tmp.path().join("y.pdf").exists());
    // Too short.
    let o = medpacket()
        .arg("build")
        .arg(sample_records_dir())
        .arg("-o")
        .arg(tmp.path().join("z.pdf"))
        .arg("--encrypt")
        .env("MEDPACKET_PASSWORD", "abc")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("at least 8"));
}
