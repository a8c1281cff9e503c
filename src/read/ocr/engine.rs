//! The OCR engine: the `tesseract` program (at `MEDPACKET_TESSERACT`, else on `PATH`)
//! turns one page image into its words with their boxes, and the page's orientation.
//! One process per page, `OMP_THREAD_LIMIT=1`, killed when it runs past its time.

use crate::read::words::{PageText, Word};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Environment variable naming the tesseract program to use.
pub const ENGINE_ENV: &str = "MEDPACKET_TESSERACT";
/// Environment variable with the time one page may take, in seconds.
pub const TIMEOUT_ENV: &str = "MEDPACKET_OCR_TIMEOUT";
/// Time one page may take unless `MEDPACKET_OCR_TIMEOUT` says otherwise.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(180);
/// Time `--version` and `--list-langs` may take.
const QUERY_TIMEOUT: Duration = Duration::from_secs(20);

/// An installed engine: its program, version and language data.
#[derive(Debug, Clone)]
pub struct Engine {
    pub program: PathBuf,
    /// e.g. "5.3.0".
    pub version: String,
    /// Installed language data (without `osd`).
    pub languages: Vec<String>,
    /// Whether the orientation data (`osd`) is installed.
    pub has_osd: bool,
}

impl Engine {
    /// Name and version, as shown in evidence: "tesseract 5.3.0".
    pub fn label(&self) -> String {
        format!("tesseract {}", self.version)
    }

    /// Finds the engine: `MEDPACKET_TESSERACT`, else `tesseract` on `PATH`. The error says
    /// why none could be used.
    pub fn find() -> Result<Engine, String> {
        let program = match std::env::var_os(ENGINE_ENV).filter(|v| !v.is_empty()) {
            Some(p) => {
                let p = PathBuf::from(p);
                // A bare name is looked up on PATH, as a shell would.
                let p = match p.components().count() {
                    1 if !p.is_absolute() => on_path(&p.to_string_lossy()).unwrap_or(p),
                    _ => p,
                };
                if !p.is_file() {
                    return Err(format!(
                        "{ENGINE_ENV} names {}, which is not a program",
                        p.display()
                    ));
                }
                p
            }
            None => on_path("tesseract").ok_or_else(|| "Tesseract is not installed".to_string())?,
        };
        let version_out = query(&program, &["--version"])?;
        let version = version_out
            .lines()
            .find_map(|l| l.trim().strip_prefix("tesseract "))
            .map(|v| v.trim().trim_start_matches('v').to_string())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                format!(
                    "{} --version did not name a Tesseract version",
                    program.display()
                )
            })?;
        let langs_out = query(&program, &["--list-langs"])?;
        let mut languages = Vec::new();
        let mut has_osd = false;
        for line in langs_out
            .lines()
            .skip_while(|l| !l.contains("languages"))
            .skip(1)
        {
            let l = line.trim();
            if l == "osd" {
                has_osd = true;
            } else if !l.is_empty() {
                languages.push(l.to_string());
            }
        }
        Ok(Engine {
            program,
            version,
            languages,
            has_osd,
        })
    }

    /// Reads one page image: words in upright pixel coordinates and the turn that makes
    /// the page upright. `dpi` is given for rendered pages (image files carry their own).
    pub fn read_page(
        &self,
        image: &Path,
        dpi: Option<u32>,
        languages: &[String],
        work: &Path,
        size: (u32, u32),
    ) -> Result<PageText, String> {
        let out_base = work.join("out");
        let mut cmd = Command::new(&self.program);
        cmd.arg(image).arg(&out_base);
        // Automatic page segmentation with orientation detection when its data is there.
        cmd.args(["--psm", if self.has_osd { "1" } else { "3" }]);
        if let Some(d) = dpi {
            cmd.args(["--dpi", &d.to_string()]);
        }
        cmd.args(["-l", &languages.join("+"), "tsv"]);
        let log = work.join("log.txt");
        let status = run_with_timeout(&mut cmd, &log, timeout())?;
        if !status.success() {
            let detail = std::fs::read_to_string(&log).unwrap_or_default();
            let detail = detail.lines().rev().find(|l| !l.trim().is_empty());
            return Err(match detail {
                Some(d) => format!("the engine failed ({status}: {})", d.trim()),
                None => format!("the engine failed ({status})"),
            });
        }
        let tsv = std::fs::read_to_string(out_base.with_extension("tsv"))
            .map_err(|e| format!("the engine wrote no result ({e})"))?;
        Ok(parse_tsv(&tsv, size))
    }
}

/// The time one page may take.
fn timeout() -> Duration {
    std::env::var(TIMEOUT_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(DEFAULT_TIMEOUT)
}

/// The full path of `name` on `PATH`, if it is there.
pub fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file()
}

/// Runs `program args` and returns what it printed (stdout, then stderr).
fn query(program: &Path, args: &[&str]) -> Result<String, String> {
    let work = tempfile::tempdir().map_err(|e| format!("no temporary folder ({e})"))?;
    let out = work.path().join("out.txt");
    let file = std::fs::File::create(&out).map_err(|e| e.to_string())?;
    let mut cmd = Command::new(program);
    cmd.args(args).stdout(file);
    let status = run_with_timeout(&mut cmd, &work.path().join("err.txt"), QUERY_TIMEOUT)
        .map_err(|e| format!("{} {}: {e}", program.display(), args.join(" ")))?;
    let text = std::fs::read_to_string(&out).unwrap_or_default()
        + &std::fs::read_to_string(work.path().join("err.txt")).unwrap_or_default();
    if !status.success() {
        return Err(format!(
            "{} {} failed ({status})",
            program.display(),
            args.join(" ")
        ));
    }
    Ok(text)
}

/// Runs a command with one thread for the engine, stderr into `log`, and kills it when it
/// runs longer than `limit`.
pub fn run_with_timeout(
    cmd: &mut Command,
    log: &Path,
    limit: Duration,
) -> Result<std::process::ExitStatus, String> {
    let err = std::fs::File::create(log).map_err(|e| format!("cannot write a log ({e})"))?;
    cmd.env("OMP_THREAD_LIMIT", "1")
        .stdin(Stdio::null())
        .stderr(err);
    if cmd.get_program().is_empty() {
        return Err("no program".into());
    }
    let mut child = cmd.spawn().map_err(|e| format!("could not start ({e})"))?;
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) if start.elapsed() >= limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "it did not finish within {} s and was stopped",
                    limit.as_secs_f64().round()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("could not wait for it ({e})"));
            }
        }
    }
}

/// One word row of the engine's TSV output, in the image's own pixels.
struct Row {
    line: (u32, u32, u32),
    x0: f32,
    y0: f32,
    x1: f32,
    y1: f32,
    text: String,
}

/// Turns the engine's TSV (level 4 rows are lines, level 5 rows words) into upright words.
/// The page's orientation is read from the direction in which each line's words advance
/// (the engine reports boxes in the image's own pixels, whatever way the text runs).
pub fn parse_tsv(tsv: &str, size: (u32, u32)) -> PageText {
    let mut words: Vec<Row> = Vec::new();
    let mut lines: std::collections::HashMap<(u32, u32, u32), [f32; 4]> =
        std::collections::HashMap::new();
    for row in tsv.lines().skip(1) {
        let f: Vec<&str> = row.split('\t').collect();
        if f.len() < 12 {
            continue;
        }
        let n = |i: usize| f.get(i).and_then(|v| v.trim().parse::<f32>().ok());
        let (Some(level), Some(b), Some(p), Some(l)) = (n(0), n(2), n(3), n(4)) else {
            continue;
        };
        let (Some(x), Some(y), Some(w), Some(h)) = (n(6), n(7), n(8), n(9)) else {
            continue;
        };
        let key = (b as u32, p as u32, l as u32);
        if level == 4.0 {
            lines.insert(key, [x, y, x + w, y + h]);
        } else if level == 5.0 {
            let text = f[11..].join("\t").trim().to_string();
            if text.is_empty() || w <= 0.0 || h <= 0.0 {
                continue;
            }
            words.push(Row {
                line: key,
                x0: x,
                y0: y,
                x1: x + w,
                y1: y + h,
                text,
            });
        }
    }
    let rotate = orientation(&words);
    let (w, h) = (size.0 as f32, size.1 as f32);
    let turn = |x: f32, y: f32| -> (f32, f32) {
        match rotate {
            90 => (h - y, x),
            180 => (w - x, h - y),
            270 => (y, w - x),
            _ => (x, y),
        }
    };
    let upright = |b: [f32; 4]| -> [f32; 4] {
        let (a, c) = (turn(b[0], b[1]), turn(b[2], b[3]));
        [a.0.min(c.0), a.1.min(c.1), a.0.max(c.0), a.1.max(c.1)]
    };
    let mut text = String::new();
    let mut last_line = None;
    let mut out = Vec::with_capacity(words.len());
    for r in &words {
        let b = upright([r.x0, r.y0, r.x1, r.y1]);
        let lb = lines.get(&r.line).map(|l| upright(*l)).unwrap_or(b);
        if last_line.is_some() && last_line != Some(r.line) {
            text.push('\n');
        } else if last_line.is_some() {
            text.push(' ');
        }
        text.push_str(&r.text);
        last_line = Some(r.line);
        out.push(Word {
            text: r.text.clone(),
            x0: b[0],
            y0: b[1],
            x1: b[2],
            y1: b[3],
            line_top: lb[1].min(b[1]),
            line_bottom: lb[3].max(b[3]),
        });
    }
    let (uw, uh) = if rotate % 180 == 90 {
        (size.1, size.0)
    } else {
        size
    };
    PageText {
        width: uw,
        height: uh,
        rotate,
        words: out,
        text,
    }
}

/// Clockwise degrees that turn the image upright, voted by the lines of two or more words:
/// each line's words advance rightwards on an upright page, downwards on a page turned a
/// quarter clockwise, and so on.
fn orientation(words: &[Row]) -> u16 {
    let mut votes = [0usize; 4];
    let mut i = 0;
    while i < words.len() {
        let mut j = i;
        while j + 1 < words.len() && words[j + 1].line == words[i].line {
            j += 1;
        }
        if j > i {
            let c = |r: &Row| ((r.x0 + r.x1) / 2.0, (r.y0 + r.y1) / 2.0);
            let (a, b) = (c(&words[i]), c(&words[j]));
            let (dx, dy) = (b.0 - a.0, b.1 - a.1);
            let slot = if dx.abs() >= dy.abs() {
                if dx >= 0.0 {
                    0
                } else {
                    2
                }
            } else if dy > 0.0 {
                // Reading downwards: the page lies a quarter turn clockwise.
                3
            } else {
                1
            };
            votes[slot] += j - i + 1;
        }
        i = j + 1;
    }
    let best = (0..4)
        .max_by_key(|&k| (votes[k], usize::from(k == 0)))
        .unwrap_or(0);
    if votes[best] == 0 {
        0
    } else {
        best as u16 * 90
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str =
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n";

    fn tsv(rows: &[(u32, [u32; 4], &str)]) -> String {
        let mut s = HEAD.to_string();
        for (line, b, text) in rows {
            s.push_str(&format!(
                "4\t1\t1\t1\t{line}\t0\t{}\t{}\t{}\t{}\t-1\t\n",
                b[0], b[1], b[2], b[3]
            ));
            s.push_str(&format!(
                "5\t1\t1\t1\t{line}\t1\t{}\t{}\t{}\t{}\t95\t{text}\n",
                b[0], b[1], b[2], b[3]
            ));
        }
        s
    }

    #[test]
    fn upright_words_keep_their_boxes_and_lines() {
        let mut s = HEAD.to_string();
        s.push_str("4\t1\t1\t1\t1\t0\t100\t100\t500\t50\t-1\t\n");
        s.push_str("5\t1\t1\t1\t1\t1\t100\t105\t200\t40\t96\tSURGICAL\n");
        s.push_str("5\t1\t1\t1\t1\t2\t320\t100\t280\t45\t96\tPATHOLOGY\n");
        s.push_str("4\t1\t1\t1\t2\t0\t100\t200\t300\t50\t-1\t\n");
        s.push_str("5\t1\t1\t1\t2\t1\t100\t200\t300\t50\t91\tReport\n");
        s.push_str("5\t1\t1\t1\t2\t2\t500\t200\t10\t50\t91\t \n");
        let p = parse_tsv(&s, (1000, 1400));
        assert_eq!(p.rotate, 0);
        assert_eq!((p.width, p.height), (1000, 1400));
        assert_eq!(p.text, "SURGICAL PATHOLOGY\nReport");
        assert_eq!(p.words.len(), 3);
        assert_eq!(
            (p.words[0].x0, p.words[0].y0, p.words[0].x1, p.words[0].y1),
            (100.0, 105.0, 300.0, 145.0)
        );
        assert_eq!(
            (p.words[0].line_top, p.words[0].line_bottom),
            (100.0, 150.0)
        );
    }

    #[test]
    fn orientation_comes_from_the_way_words_advance() {
        // A page turned a quarter clockwise: lines run downwards in the image.
        let mut s = HEAD.to_string();
        s.push_str("5\t1\t1\t1\t1\t1\t900\t100\t40\t200\t95\tDate\n");
        s.push_str("5\t1\t1\t1\t1\t2\t900\t350\t40\t100\t95\tof\n");
        s.push_str("5\t1\t1\t1\t1\t3\t900\t500\t40\t300\t95\tSurgery\n");
        let p = parse_tsv(&s, (1000, 1400));
        assert_eq!(p.rotate, 270);
        assert_eq!((p.width, p.height), (1400, 1000));
        // The first word now starts near the upright page's left edge, near its top.
        let w = &p.words[0];
        assert_eq!((w.x0, w.y0, w.x1, w.y1), (100.0, 60.0, 300.0, 100.0));
        // Upside down: words advance leftwards.
        let mut s = HEAD.to_string();
        s.push_str("5\t1\t1\t1\t1\t1\t800\t1000\t100\t40\t95\tDate\n");
        s.push_str("5\t1\t1\t1\t1\t2\t500\t1000\t100\t40\t95\tof\n");
        assert_eq!(parse_tsv(&s, (1000, 1400)).rotate, 180);
        // Reading upwards: a quarter turn clockwise makes it upright.
        let mut s = HEAD.to_string();
        s.push_str("5\t1\t1\t1\t1\t1\t100\t900\t40\t100\t95\tDate\n");
        s.push_str("5\t1\t1\t1\t1\t2\t100\t600\t40\t100\t95\tof\n");
        assert_eq!(parse_tsv(&s, (1000, 1400)).rotate, 90);
        // Single words give no direction: upright.
        assert_eq!(
            parse_tsv(&tsv(&[(1, [1, 1, 5, 20], "x")]), (10, 10)).rotate,
            0
        );
    }

    #[test]
    fn garbage_rows_are_skipped() {
        let p = parse_tsv("nonsense\n5\t1\tx\n\n", (10, 10));
        assert!(p.words.is_empty());
        assert_eq!(p.rotate, 0);
    }

    #[test]
    fn a_program_that_hangs_is_stopped() {
        let work = tempfile::tempdir().expect("temp dir");
        let mut cmd = Command::new("sleep");
        cmd.arg("30");
        let started = Instant::now();
        let r = run_with_timeout(
            &mut cmd,
            &work.path().join("log"),
            Duration::from_millis(300),
        );
        assert!(r.expect_err("timed out").contains("stopped"));
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
