//! Synthetic DICOM files for the tests: explicit VR little endian files with the preamble,
//! implicit VR files without it (as old discs write them), DICOMDIRs with directory
//! records, and encapsulated PDF reports. Written from the standard's byte layout, apart
//! from the reader under test. All patients and values are made up.

/// One data element: tag, VR and value (padded to even length when written).
pub struct El {
    pub tag: (u16, u16),
    pub vr: &'static str,
    pub value: Vec<u8>,
    /// Items of a sequence (VR SQ), each a list of elements.
    pub items: Vec<Vec<El>>,
}

pub fn el(tag: (u16, u16), vr: &'static str, value: &str) -> El {
    El {
        tag,
        vr,
        value: value.as_bytes().to_vec(),
        items: Vec::new(),
    }
}

pub fn raw(tag: (u16, u16), vr: &'static str, value: Vec<u8>) -> El {
    El {
        tag,
        vr,
        value,
        items: Vec::new(),
    }
}

pub fn seq(tag: (u16, u16), items: Vec<Vec<El>>) -> El {
    El {
        tag,
        vr: "SQ",
        value: Vec::new(),
        items,
    }
}

fn padded(e: &El) -> Vec<u8> {
    let mut v = e.value.clone();
    if v.len() % 2 == 1 {
        v.push(if matches!(e.vr, "UI" | "OB" | "UN") {
            0
        } else {
            b' '
        });
    }
    v
}

fn long_vr(vr: &str) -> bool {
    matches!(vr, "OB" | "OW" | "OF" | "SQ" | "UT" | "UN" | "UC" | "UR")
}

/// Elements in explicit VR little endian (sequences of defined length).
pub fn explicit(els: &[El]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in els {
        out.extend_from_slice(&e.tag.0.to_le_bytes());
        out.extend_from_slice(&e.tag.1.to_le_bytes());
        out.extend_from_slice(e.vr.as_bytes());
        let value = if e.vr == "SQ" {
            items(&e.items, explicit)
        } else {
            padded(e)
        };
        if long_vr(e.vr) {
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(&(value.len() as u32).to_le_bytes());
        } else {
            out.extend_from_slice(&(value.len() as u16).to_le_bytes());
        }
        out.extend_from_slice(&value);
    }
    out
}

/// Elements in implicit VR little endian (no VR written).
pub fn implicit(els: &[El]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in els {
        out.extend_from_slice(&e.tag.0.to_le_bytes());
        out.extend_from_slice(&e.tag.1.to_le_bytes());
        let value = if e.vr == "SQ" {
            items(&e.items, implicit)
        } else {
            padded(e)
        };
        out.extend_from_slice(&(value.len() as u32).to_le_bytes());
        out.extend_from_slice(&value);
    }
    out
}

fn items(items: &[Vec<El>], write: fn(&[El]) -> Vec<u8>) -> Vec<u8> {
    let mut out = Vec::new();
    for item in items {
        let body = write(item);
        out.extend_from_slice(&0xFFFEu16.to_le_bytes());
        out.extend_from_slice(&0xE000u16.to_le_bytes());
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(&body);
    }
    out
}

/// A Part 10 file: preamble, `DICM`, file meta group, data set in explicit VR LE.
pub fn part10(sop_class: &str, data: &[El]) -> Vec<u8> {
    let meta_body = explicit(&[
        raw((0x0002, 0x0001), "OB", vec![0, 1]),
        el((0x0002, 0x0002), "UI", sop_class),
        el((0x0002, 0x0003), "UI", "2.25.1"),
        el((0x0002, 0x0010), "UI", "1.2.840.10008.1.2.1"),
    ]);
    let mut out = vec![0u8; 128];
    out.extend_from_slice(b"DICM");
    out.extend_from_slice(&explicit(&[raw(
        (0x0002, 0x0000),
        "UL",
        (meta_body.len() as u32).to_le_bytes().to_vec(),
    )]));
    out.extend_from_slice(&meta_body);
    out.extend_from_slice(&explicit(data));
    out
}

/// The made-up facts of one image.
pub struct Image<'a> {
    pub patient: &'a str,
    pub patient_id: &'a str,
    pub birth: &'a str,
    pub study_uid: &'a str,
    pub series_uid: &'a str,
    pub date: &'a str,
    pub modality: &'a str,
    pub description: &'a str,
    pub body_part: &'a str,
    pub charset: &'a str,
}

pub const CT_IMAGE: &str = "1.2.840.10008.5.1.4.1.1.2";

/// The header elements of an image (before any pixel data), in tag order.
pub fn header(i: &Image<'_>, sop_class: &str) -> Vec<El> {
    let mut v = Vec::new();
    if !i.charset.is_empty() {
        v.push(el((0x0008, 0x0005), "CS", i.charset));
    }
    v.extend([
        el((0x0008, 0x0016), "UI", sop_class),
        el((0x0008, 0x0018), "UI", "2.25.99"),
        el((0x0008, 0x0020), "DA", i.date),
        el((0x0008, 0x0050), "SH", "ACC-1001"),
        el((0x0008, 0x0060), "CS", i.modality),
        el((0x0008, 0x0080), "LO", "Example Imaging Centre"),
        el((0x0008, 0x0090), "PN", "Ray^Ada"),
        el((0x0008, 0x1030), "LO", i.description),
        el((0x0010, 0x0010), "PN", i.patient),
        el((0x0010, 0x0020), "LO", i.patient_id),
        el((0x0010, 0x0030), "DA", i.birth),
        el((0x0018, 0x0015), "CS", i.body_part),
        el((0x0020, 0x000D), "UI", i.study_uid),
        el((0x0020, 0x000E), "UI", i.series_uid),
    ]);
    v
}

/// An image file with `pixels` bytes of pixel data (explicit VR LE, with the preamble).
pub fn image(i: &Image<'_>, pixels: usize) -> Vec<u8> {
    let mut els = header(i, CT_IMAGE);
    els.push(raw((0x7FE0, 0x0010), "OW", vec![0x5A; pixels]));
    part10(CT_IMAGE, &els)
}

/// The same image without the preamble, in implicit VR little endian.
pub fn implicit_image(i: &Image<'_>, pixels: usize) -> Vec<u8> {
    let mut els = header(i, CT_IMAGE);
    els.push(raw((0x7FE0, 0x0010), "OW", vec![0x5A; pixels]));
    implicit(&els)
}

/// An encapsulated PDF report of the study (odd-length PDFs get the pad byte).
pub fn pdf_report(i: &Image<'_>, pdf: &[u8]) -> Vec<u8> {
    const SOP: &str = "1.2.840.10008.5.1.4.1.1.104.1";
    let mut els = header(i, SOP);
    els.push(el((0x0042, 0x0012), "LO", "application/pdf"));
    els.push(raw((0x0042, 0x0011), "OB", pdf.to_vec()));
    part10(SOP, &els)
}

/// A DICOMDIR whose records reference `files` (paths with `/`, written with `\`).
pub fn dicomdir(files: &[&str]) -> Vec<u8> {
    let mut records = vec![vec![el((0x0004, 0x1430), "CS", "PATIENT")]];
    for f in files {
        records.push(vec![
            el((0x0004, 0x1430), "CS", "IMAGE"),
            el((0x0004, 0x1500), "CS", &f.replace('/', "\\")),
        ]);
    }
    part10(
        "1.2.840.10008.1.3.10",
        &[
            el((0x0004, 0x1130), "CS", "DISC1"),
            seq((0x0004, 0x1220), records),
        ],
    )
}

/// A structured report (Basic Text SR) header: its content is not read.
pub fn structured_report(i: &Image<'_>) -> Vec<u8> {
    const SOP: &str = "1.2.840.10008.5.1.4.1.1.88.11";
    part10(SOP, &header(i, SOP))
}

/// An encapsulated CDA document of the study.
pub fn cda_report(i: &Image<'_>, xml: &[u8]) -> Vec<u8> {
    const SOP: &str = "1.2.840.10008.5.1.4.1.1.104.2";
    let mut els = header(i, SOP);
    els.push(el((0x0042, 0x0012), "LO", "text/XML"));
    els.push(raw((0x0042, 0x0011), "OB", xml.to_vec()));
    part10(SOP, &els)
}

/// An image with its own SOP Instance UID (no two files of a disc are the same).
pub fn numbered_image(i: &Image<'_>, pixels: usize, instance: &str) -> Vec<u8> {
    let mut els = header(i, CT_IMAGE);
    for e in els.iter_mut().filter(|e| e.tag == (0x0008, 0x0018)) {
        e.value = instance.as_bytes().to_vec();
    }
    els.push(raw((0x7FE0, 0x0010), "OW", vec![0x5A; pixels]));
    part10(CT_IMAGE, &els)
}
