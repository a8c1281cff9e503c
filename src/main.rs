//! The medpacket command: parse arguments, run the library, print, and exit with the
//! codes of SPEC.md (0 ok, 1 not ready / mismatch, 2 error).

// Every word the program prints goes through `out` (standard output) or `err` (standard
// error), so a reader that stops early (`| head`) or a closed stream never makes
// `println!`/`eprintln!` panic.
macro_rules! println {
    ($($arg:tt)*) => {
        out(format!("{}\n", format_args!($($arg)*)).as_bytes())
    };
}
macro_rules! print {
    ($($arg:tt)*) => {
        out(format!($($arg)*).as_bytes())
    };
}
macro_rules! eprintln {
    ($($arg:tt)*) => {
        err(format!("{}\n", format_args!($($arg)*)).as_bytes())
    };
}

mod cli;

// mimalloc instead of the C library's allocator: reading a PDF builds and frees many small
// objects (lopdf's dictionaries, names, arrays) on several threads at once. Measured in
// turns (scripts/bench-compare.sh) on 400 ten-page text PDFs, in several runs: CPU time
// 5-6 % lower on a cold build and 6-9 % on a warm one, wall time 3-8 % (1,600 PDFs cold:
// CPU 7 %, wall 6 %); packets byte for byte the same. Its 2.x series: the 3.x the crate
// builds by default was no faster than the C library's allocator here. Transparent huge
// pages off: with them a build's peak memory doubled. A large block is best freed by the
// thread that allocated it (the build's readers free what they read: see
// `write::readahead`); freed by another, mimalloc held it back and a JPEG build's peak
// memory grew from 27 to 71 MB. A text build's peak is a few megabytes above the C
// library's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use cli::{Cli, Command};
use std::io::IsTerminal;
use std::process::ExitCode;

/// Set once standard output's reader has gone: nothing more is written there.
static STDOUT_GONE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Writes to standard output. When the reader has gone (a closed pipe) there is no one to
/// tell anything more: the rest of the output is dropped and the command ends with its own
/// exit code, quietly. Any other failure (a full disk behind `> file`) is an error.
fn out(bytes: &[u8]) {
    use std::io::Write;
    use std::sync::atomic::Ordering;
    if STDOUT_GONE.load(Ordering::Relaxed) {
        return;
    }
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        STDOUT_GONE.store(true, Ordering::Relaxed);
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            err(format!("medpacket: cannot write to standard output ({e})\n").as_bytes());
            std::process::exit(2);
        }
    }
}

/// Writes to standard error. If that fails (a closed pipe, a full disk) there is nowhere
/// left to say so: the message is dropped and the command carries on.
fn err(bytes: &[u8]) {
    use std::io::Write;
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(bytes).and_then(|()| stderr.flush());
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A fault nobody foresaw (a panic) ends as any error does, with exit code 2 and what
    // to do, not with Rust's code 101. Rust's own line, printed first, says where.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // For the test of this message: debug builds only.
        #[cfg(debug_assertions)]
        if std::env::var_os("MEDPACKET_TEST_PANIC").is_some() {
            panic!("a fault made on purpose (MEDPACKET_TEST_PANIC)");
        }
        run(cli)
    }));
    match outcome {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => {
            eprintln!("medpacket: {e}");
            ExitCode::from(2)
        }
        Err(_) => {
            eprintln!(
                "medpacket: stopped by an internal error (the lines above say where). Files are written whole or not at all, so none was left half-written. Run the command again; if it stops the same way, please report it with the lines above"
            );
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Completions { shell } => {
            out(&cli::completions(shell));
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            out(&cli::manual()?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Scan { dir, json, read } => {
            let (inv, _) = with_progress(json, |p| medpacket::scan_folder(&dir, &read.into(), p))?;
            let report = medpacket::report::scan_report(&inv);
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", medpacket::report::scan_text(&report));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { dir, json, read } => {
            let report = with_progress(json, |p| medpacket::check_folder(&dir, &read.into(), p))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", medpacket::check::report_text(&report));
            }
            Ok(if report.ready {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Init { dir, read } => {
            let r = with_progress(false, |p| medpacket::init_folder(&dir, &read.into(), p))?;
            println!(
                "Wrote {} with {} document(s){}.\nOpen it, write the patient's name and correct what is wrong, then run `medpacket check {}`.",
                r.path,
                r.documents,
                if r.problems > 0 { format!(" and {} problem(s) to fix", r.problems) } else { String::new() },
                dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Letter {
            dir,
            output,
            template,
            force,
            paper,
            lang,
        } => {
            let opts = medpacket::LetterOptions {
                dir,
                output,
                template,
                force,
                paper: paper.into(),
                lang: lang.map(Into::into),
            };
            let path = medpacket::write_letter(&opts)?;
            println!("Wrote {}.", path.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Request {
            dir,
            holder,
            output,
            lang,
            send_to,
            mark_sent,
            json,
            read,
        } => {
            if let Some(h) = mark_sent {
                let due = medpacket::mark_request_sent(&dir, &h)?;
                if json {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(
                            &serde_json::json!({"holder": h, "due": due.to_string()})
                        )?
                    );
                } else {
                    println!("Marked the request to {h} as sent today; the answer is due by {due}. `medpacket check {}` follows it.", dir.display());
                }
                return Ok(ExitCode::SUCCESS);
            }
            let opts = medpacket::RequestOptions {
                dir: dir.clone(),
                holder,
                output_dir: output,
                lang: lang.map(Into::into),
                send_to: send_to.into(),
                scan: read.into(),
            };
            let report = medpacket::write_requests(&opts)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                if let Some(n) = &report.nothing {
                    println!("{}.", capitalized(n));
                }
                for l in &report.letters {
                    let kinds: Vec<&str> = l.kinds.iter().map(|k| k.as_str()).collect();
                    println!(
                        "Wrote {} ({} page{}{}) to {}: {}.",
                        l.file,
                        l.pages,
                        if l.pages == 1 { "" } else { "s" },
                        if l.fax_cover { ", fax cover first" } else { "" },
                        l.holder,
                        kinds.join(", ")
                    );
                }
                if !report.letters.is_empty() {
                    println!("Each is recorded under [[requests]] in packet.toml. Sign and send them, then run `medpacket request {} --mark-sent \"HOLDER\"` for each; `medpacket check` follows them.", dir.display());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify {
            file,
            manifest,
            password_file,
            json,
        } => {
            let first = medpacket::verify(&file, manifest.as_deref(), None);
            let report = match first {
                Err(medpacket::Error::Config { message, .. })
                    if message.starts_with("is encrypted") =>
                {
                    let pw = password(password_file.as_deref(), false)?;
                    medpacket::verify(&file, manifest.as_deref(), Some(&pw))?
                }
                other => other?,
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", medpacket::bundle::verify_text(&report));
            }
            Ok(if report.intact {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Serve {
            dir,
            port,
            no_open,
            max_upload_mb,
        } => {
            let opts = medpacket::serve::ServeOptions {
                dir,
                port,
                max_upload: max_upload_mb.saturating_mul(1024 * 1024),
            };
            medpacket::serve::run(&opts, |url| {
                // The address alone on the first line, for people and for scripts.
                println!("{url}");
                eprintln!("medpacket is showing your records folder at the address above. Press Ctrl-C to stop.");
                if !no_open {
                    if let Err(e) = opener::open_browser(url) {
                        eprintln!(
                            "Could not open the browser ({e}); open the address above yourself."
                        );
                    }
                }
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Build {
            dir,
            output,
            skip_unreadable,
            force,
            paper,
            zip,
            encrypt,
            password_file,
            json,
            read,
            lang,
            fax,
            max_size,
            fax_pages,
            per_document,
        } => {
            let password = if encrypt {
                let pw = password(password_file.as_deref(), true)?;
                if pw.chars().count() < 8 {
                    anyhow::bail!("the password is too short — use at least 8 characters (a few words are easy to remember and hard to guess)");
                }
                Some(pw)
            } else {
                None
            };
            let opts = medpacket::BuildOptions {
                dir,
                output,
                skip_unreadable,
                force,
                paper: paper.into(),
                zip,
                password,
                scan: read.into(),
                lang: lang.map(Into::into),
                fax,
                send: medpacket::write::deliver::SendOptions {
                    max_size,
                    per_document,
                    fax_pages,
                    fax_sends: false,
                    honour_config: true,
                },
                // Only the JSON report prints it (a bundle takes it anyway).
                packet_sha256: json,
            };
            let report = with_progress(json, |p| medpacket::build(&opts, p))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print_build(&report);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The password for encryption or for opening a bundle: from `--password-file`, else
/// `MEDPACKET_PASSWORD`, else a prompt on the terminal that does not echo (asked twice
/// when `confirm`). Never from the command line, where other users could see it.
fn password(file: Option<&std::path::Path>, confirm: bool) -> anyhow::Result<String> {
    if let Some(f) = file {
        let text = std::fs::read_to_string(f).map_err(|e| {
            anyhow::anyhow!("{}: {e} — check the password file's path", f.display())
        })?;
        let line = text.lines().next().unwrap_or("").to_string();
        if line.is_empty() {
            anyhow::bail!(
                "{}: the first line is empty — write the password on it",
                f.display()
            );
        }
        return Ok(line);
    }
    if let Ok(pw) = std::env::var("MEDPACKET_PASSWORD") {
        if !pw.is_empty() {
            return Ok(pw);
        }
    }
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("no password: give --password-file FILE or set MEDPACKET_PASSWORD (there is no terminal to ask on)");
    }
    let pw = rpassword::prompt_password("Password: ")?;
    if confirm {
        let again = rpassword::prompt_password("Same password again: ")?;
        if again != pw {
            anyhow::bail!("the two passwords differ — run the command again");
        }
    }
    if pw.is_empty() {
        anyhow::bail!("the password is empty");
    }
    Ok(pw)
}

/// The text with its first letter in capitals.
fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Runs `work` with a progress bar on a terminal (none when output is JSON or piped).
fn with_progress<T>(
    json: bool,
    work: impl FnOnce(&dyn medpacket::Progress) -> medpacket::Result<T>,
) -> medpacket::Result<T> {
    let bar = (!json && std::io::stderr().is_terminal()).then(Bar::new);
    let result = match &bar {
        Some(b) => work(b),
        None => work(&medpacket::Quiet),
    };
    if let Some(b) = bar {
        b.0.finish_and_clear();
    }
    result
}

/// A progress bar on the terminal's stderr.
struct Bar(indicatif::ProgressBar);

impl Bar {
    fn new() -> Self {
        let pb = indicatif::ProgressBar::new(0);
        let style = indicatif::ProgressStyle::with_template("{msg:22} [{bar:30}] {pos}/{len}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> ");
        pb.set_style(style);
        Bar(pb)
    }
}

impl medpacket::Progress for Bar {
    fn start(&self, stage: &str, total: u64) {
        self.0.set_message(stage.to_string());
        self.0.set_length(total);
        self.0.set_position(0);
    }
    fn advance(&self) {
        self.0.inc(1);
    }
}

fn print_build(r: &medpacket::BuildReport) {
    if r.parts.is_empty() && r.sends.is_empty() {
        println!(
            "Wrote {} ({} pages, {} documents).",
            r.output,
            r.pages,
            r.documents.len()
        );
    } else {
        println!(
            "Wrote the packet ({} pages, {} documents) in {} files.",
            r.pages,
            r.documents.len(),
            r.parts.len() + r.sends.len()
        );
    }
    for d in &r.documents {
        let pages = if d.first_page == d.last_page {
            format!("p. {}", d.first_page)
        } else {
            format!("pp. {}–{}", d.first_page, d.last_page)
        };
        println!(
            "  {:<10} {:<18} {:<12} {}",
            pages,
            d.kind.as_str(),
            d.date.as_deref().unwrap_or("undated"),
            d.path
        );
    }
    for s in &r.skipped {
        println!("  not included: {}: {}", s.path, s.reason);
    }
    for d in &r.duplicates {
        println!("  duplicate left out: {} (same as {})", d.path, d.same_as);
    }
    if let Some(s) = &r.shrunk {
        println!(
            "  pictures made smaller: {} ({} → {})",
            s.pictures,
            medpacket::base::size::human(s.bytes_before),
            medpacket::base::size::human(s.bytes_after)
        );
    }
    if !r.parts.is_empty() {
        println!("In {} parts:", r.parts.len());
        for p in &r.parts {
            println!(
                "  {}  pages {}–{}  {}",
                p.file,
                p.first_page,
                p.last_page,
                medpacket::base::size::human(p.bytes)
            );
        }
    }
    if !r.sends.is_empty() {
        println!("In {} fax sends, each with its own cover:", r.sends.len());
        for p in &r.sends {
            println!(
                "  {}  pages {}–{}  {}",
                p.file,
                p.first_page,
                p.last_page,
                medpacket::base::size::human(p.bytes)
            );
        }
    }
    if !r.per_document.is_empty() {
        println!("One file per document:");
        for p in &r.per_document {
            println!(
                "  {}  pages {}–{}  {}",
                p.file,
                p.first_page,
                p.last_page,
                medpacket::base::size::human(p.bytes)
            );
        }
    }
    if let Some(b) = &r.bundle {
        println!(
            "Wrote the bundle {} (packet, cover letter, originals, manifest).",
            b.path
        );
    }
    for n in &r.notes {
        println!("  note: {}: {}", n.path, n.note);
    }
    for a in &r.removed_active_content {
        println!("  removed for safety: {}: {}", a.path, a.what);
    }
    for w in &r.warnings {
        println!("  warning: {w}");
    }
}
