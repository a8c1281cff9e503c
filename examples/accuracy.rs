//! Measures document typing and dating on a labelled set of report texts.
//!
//! `accuracy REALWORLD_DIR MEDPACKET_BIN [--all] [--keep DIR]`
//!
//! REALWORLD_DIR holds `reports/<id>.txt` and `labels.tsv` (`id kind date source`, the
//! date `YYYY-MM-DD` or empty). Each text is set as a PDF (Helvetica, WinAnsi, wrapped
//! and paginated like a printed report) named `<id>.pdf` in a temporary folder, with a
//! minimal packet.toml; the real `medpacket scan --json` runs on that folder, and its
//! kinds and dates are compared with the labels. Prints kind accuracy, date accuracy
//! over the labelled dates, and every miss with the evidence rule behind it (with
//! `--all`, every decision). `--keep DIR` writes the PDFs to DIR (which must not exist)
//! instead of a temporary folder, to run `scan --json` on them again by hand.
//!
//! Run it with `scripts/accuracy.sh`. The texts are read from REALWORLD_DIR at run time
//! and never copied into the project.

#[path = "../tests/support/pdf.rs"]
mod pdf;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, ExitCode};

const PAGE_WIDTH: f32 = 612.0;
const PAGE_HEIGHT: f32 = 792.0;
const MARGIN: f32 = 40.0;
const FONT_SIZE: f32 = 9.0;
const LEADING: f32 = 11.0;

/// Helvetica advance widths (1/1000 em) of the printable ASCII characters 32..=126.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // ' '../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // 0..9
    278, 278, 584, 584, 584, 556, 1015, // :..@
    667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667,
    611, 722, 667, 944, 667, 667, 611, // A..Z
    278, 278, 278, 469, 556, 333, // [..`
    556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500,
    278, 556, 500, 722, 500, 500, 500, // a..z
    334, 260, 334, 584, // {..~
];

/// The printed width of one character in points (characters outside ASCII: an average).
fn char_width(c: char) -> f32 {
    let w = match c as u32 {
        code @ 32..=126 => f32::from(HELVETICA[(code - 32) as usize]),
        _ => 556.0,
    };
    w * FONT_SIZE / 1000.0
}

/// One text line wrapped at spaces to the printable width.
fn wrap(line: &str) -> Vec<String> {
    let chars: Vec<char> = line.replace('\t', "    ").chars().collect();
    let max = PAGE_WIDTH - 2.0 * MARGIN;
    let mut out = Vec::new();
    let mut rest: &[char] = &chars;
    while rest.iter().copied().map(char_width).sum::<f32>() > max {
        // The longest prefix that fits, cut after the last space in it when there is one.
        let mut fit = 0;
        let mut used = 0.0;
        while fit < rest.len() && used + char_width(rest[fit]) <= max {
            used += char_width(rest[fit]);
            fit += 1;
        }
        let cut = rest[..fit]
            .iter()
            .rposition(|&c| c == ' ')
            .filter(|&i| i > 0)
            .map_or(fit.max(1), |i| i + 1);
        out.push(rest[..cut].iter().collect());
        rest = &rest[cut..];
    }
    out.push(rest.iter().collect());
    out
}

struct Label {
    id: String,
    kind: String,
    date: Option<String>,
}

fn read_labels(path: &Path) -> Result<Vec<Label>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut labels = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if n == 0 && line.starts_with("id\t") || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let (Some(id), Some(kind)) = (cols.first(), cols.get(1)) else {
            return Err(format!(
                "{}:{}: expected id and kind",
                path.display(),
                n + 1
            ));
        };
        let date = cols.get(2).map(|d| d.trim()).filter(|d| !d.is_empty());
        labels.push(Label {
            id: id.trim().to_string(),
            kind: kind.trim().to_string(),
            date: date.map(str::to_string),
        });
    }
    Ok(labels)
}

/// What scan said about one file.
struct Got {
    kind: String,
    date: Option<String>,
    kind_rule: String,
    date_rule: String,
}

fn evidence_rule(file: &serde_json::Value, field: &str) -> String {
    file["evidence"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["field"] == field)
        .map_or_else(String::new, |e| {
            let rule = e["rule"].as_str().unwrap_or("");
            match e["score"].as_f64() {
                Some(score) if field == "kind" => format!("{rule}, {score:.1}"),
                _ => rule.to_string(),
            }
        })
}

fn percent(n: usize, of: usize) -> f64 {
    if of == 0 {
        0.0
    } else {
        100.0 * n as f64 / of as f64
    }
}

/// The text set as a PDF, as a printer would: Helvetica, wrapped, several pages if long.
fn text_pdf(text: &str) -> Vec<u8> {
    let lines: Vec<String> = text.lines().flat_map(wrap).collect();
    let per_page = ((PAGE_HEIGHT - 2.0 * MARGIN) / LEADING) as usize;
    let pages: Vec<pdf::PageSpec> = if lines.is_empty() {
        vec![pdf::PageSpec::letter(Vec::<String>::new())]
    } else {
        lines.chunks(per_page).map(pdf::PageSpec::letter).collect()
    };
    let style = pdf::TextStyle {
        font_size: FONT_SIZE,
        leading: LEADING,
        margin: MARGIN,
    };
    pdf::text_pdf_styled(&pages, style)
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(set), Some(bin)) = (args.get(1), args.get(2)) else {
        return Err("usage: accuracy REALWORLD_DIR MEDPACKET_BIN [--all] [--keep DIR]".to_string());
    };
    let rest = args.get(3..).unwrap_or_default();
    let all = rest.iter().any(|a| a == "--all");
    let keep = rest
        .iter()
        .position(|a| a == "--keep")
        .map(|i| rest.get(i + 1).ok_or("--keep needs a folder"))
        .transpose()?;
    let set = Path::new(set);
    let labels = read_labels(&set.join("labels.tsv"))?;

    let temp = tempfile::tempdir().map_err(|e| format!("temp folder: {e}"))?;
    let dir = match keep {
        Some(keep) => {
            std::fs::create_dir(keep).map_err(|e| format!("{keep}: {e}"))?;
            std::path::PathBuf::from(keep)
        }
        None => temp.path().to_path_buf(),
    };
    std::fs::write(dir.join("packet.toml"), "[patient]\nname = \"Measure\"\n")
        .map_err(|e| format!("packet.toml: {e}"))?;
    for label in &labels {
        let src = set.join("reports").join(format!("{}.txt", label.id));
        let text = std::fs::read_to_string(&src).map_err(|e| format!("{}: {e}", src.display()))?;
        std::fs::write(dir.join(format!("{}.pdf", label.id)), text_pdf(&text))
            .map_err(|e| format!("{}.pdf: {e}", label.id))?;
    }

    let output = Command::new(bin)
        .arg("scan")
        .arg(&dir)
        .arg("--json")
        .output()
        .map_err(|e| format!("{bin}: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "medpacket scan failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let report: serde_json::Value =
        serde_json::from_slice(&output.stdout).map_err(|e| format!("scan --json output: {e}"))?;
    let mut got: BTreeMap<String, Got> = BTreeMap::new();
    for file in report["files"].as_array().into_iter().flatten() {
        let path = file["path"].as_str().unwrap_or("");
        let Some(id) = path.strip_suffix(".pdf") else {
            continue;
        };
        got.insert(
            id.to_string(),
            Got {
                kind: file["kind"].as_str().unwrap_or("(none)").to_string(),
                date: file["date"].as_str().map(str::to_string),
                kind_rule: evidence_rule(file, "kind"),
                date_rule: evidence_rule(file, "date"),
            },
        );
    }

    let mut kind_right = 0;
    let mut dated_labels = 0;
    let mut date_right = 0;
    let mut unlabelled = 0;
    let mut unlabelled_dated = 0;
    let mut misses = Vec::new();
    let mut rows = Vec::new();
    for label in &labels {
        let Some(g) = got.get(&label.id) else {
            misses.push(format!("{}  not in the scan report", label.id));
            continue;
        };
        rows.push(format!(
            "{}  {} {}  {} {}  ({} | {})",
            label.id,
            if g.kind == label.kind { "ok  " } else { "MISS" },
            g.kind,
            if g.date == label.date { "ok  " } else { "MISS" },
            g.date.as_deref().unwrap_or("undated"),
            g.kind_rule,
            g.date_rule
        ));
        if g.kind == label.kind {
            kind_right += 1;
        } else {
            misses.push(format!(
                "{}  kind {} -> {}  ({})",
                label.id, label.kind, g.kind, g.kind_rule
            ));
        }
        match &label.date {
            Some(want) => {
                dated_labels += 1;
                if g.date.as_deref() == Some(want.as_str()) {
                    date_right += 1;
                } else {
                    misses.push(format!(
                        "{}  date {} -> {}  ({})",
                        label.id,
                        want,
                        g.date.as_deref().unwrap_or("undated"),
                        g.date_rule
                    ));
                }
            }
            None => {
                unlabelled += 1;
                if let Some(d) = &g.date {
                    unlabelled_dated += 1;
                    misses.push(format!(
                        "{}  date (none) -> {}  ({})",
                        label.id, d, g.date_rule
                    ));
                }
            }
        }
    }

    let n = labels.len();
    println!("set: {}  ({} texts)", set.display(), n);
    println!(
        "kind accuracy: {kind_right}/{n}  {:.1}%",
        percent(kind_right, n)
    );
    println!(
        "date accuracy: {date_right}/{dated_labels}  {:.1}%  (of the labelled dates)",
        percent(date_right, dated_labels)
    );
    println!("unlabelled dates: {unlabelled}, of which dated anyway: {unlabelled_dated}");
    println!("confusion ({} misses):", misses.len());
    for m in &misses {
        println!("  {m}");
    }
    if all {
        println!("every decision:");
        for r in &rows {
            println!("  {r}");
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("accuracy: {e}");
            ExitCode::from(2)
        }
    }
}
