//! Command-line arguments (clap types only), converted into the library's options.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "medpacket",
    version,
    about = "Turn a folder of medical records into one indexed, stamped PDF packet for a second opinion"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// How the records are read (shared by scan, check, init and build).
#[derive(Debug, Clone, clap::Args)]
pub struct ReadArgs {
    /// Read every file afresh: neither use nor fill the cache of what medpacket learned
    /// about each file (kept in the user's cache folder, never in the records folder)
    #[arg(long)]
    pub no_cache: bool,
    /// Read scanned pages with Tesseract: auto (when installed), always, or never
    #[arg(long, value_enum, default_value_t = OcrArg::Auto)]
    pub ocr: OcrArg,
}

impl From<ReadArgs> for medpacket::ScanOptions {
    fn from(a: ReadArgs) -> Self {
        medpacket::ScanOptions {
            no_cache: a.no_cache,
            ocr: a.ocr.into(),
            without_evidence: false,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every file with its kind, date, title, pages and status
    #[command(after_help = "Examples:
  medpacket scan ~/Records                 a table of every file
  medpacket scan ~/Records --json | jq '.files[] | select(.kind == \"other\") | .path'
                                            files whose kind medpacket could not tell")]
    Scan {
        /// The records folder
        dir: PathBuf,
        /// Print one JSON object instead of a table
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// Re-check every checksum of a bundle (or of a packet PDF against a manifest)
    #[command(after_help = "Examples:
  medpacket verify packet.zip                              every member of the bundle
  medpacket verify packet.pdf --manifest manifest.json     a packet against its manifest
  MEDPACKET_PASSWORD=… medpacket verify packet.zip --json  an encrypted bundle, for scripts")]
    Verify {
        /// The bundle (.zip), or a packet PDF with --manifest
        file: PathBuf,
        /// The manifest.json to check a packet PDF against
        #[arg(long)]
        manifest: Option<PathBuf>,
        /// The password of an encrypted bundle, from the first line of this file
        /// (or set MEDPACKET_PASSWORD, or type it at the prompt)
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
        /// Print one JSON object instead of a report
        #[arg(long)]
        json: bool,
    },
    /// Is the folder ready to send? Required records present or missing, problems,
    /// identifiers you may not want to send, and a to-do list
    #[command(after_help = "Examples:
  medpacket check ~/Records             the verdict, what is missing, and a to-do list
  medpacket check ~/Records --json      the same as one JSON object (exit 1: not ready)
  medpacket check ~/Records && medpacket build ~/Records
                                        build only when the folder is ready")]
    Check {
        /// The records folder
        dir: PathBuf,
        /// Print one JSON object instead of a report
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// Start a packet.toml listing the detected documents (never replaces one)
    #[command(after_help = "Examples:
  medpacket init ~/Records      writes ~/Records/packet.toml to fill in
  medpacket init ~/Records && medpacket check ~/Records")]
    Init {
        /// The records folder
        dir: PathBuf,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// Write the cover letter to the second-opinion doctor
    #[command(after_help = "Examples:
  medpacket letter ~/Records                        cover-letter-<patient>-<date>.pdf here
  medpacket letter ~/Records -o letter.txt          plain text, to paste into an e-mail
  medpacket letter ~/Records --lang es -o carta.pdf the letter in Spanish")]
    Letter {
        /// The records folder (with a packet.toml)
        dir: PathBuf,
        /// Output file, .pdf or .txt (default: cover-letter-<patient>-<date>.pdf here)
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
        /// Your own letter template (minijinja syntax; see templates/cover_letter.txt)
        #[arg(long)]
        template: Option<PathBuf>,
        /// Replace an existing output file
        #[arg(long)]
        force: bool,
        /// Paper size of the PDF letter
        #[arg(long, value_enum, default_value_t = PaperArg::Letter)]
        paper: PaperArg,
        /// Language of the letter (default: [request] language in packet.toml, else English)
        #[arg(long, value_enum)]
        lang: Option<LangArg>,
    },
    /// Write a letter asking each hospital, lab or imaging centre for the records still
    /// missing, and track the requests until the records arrive
    #[command(after_help = "Examples:
  medpacket request ~/Records                      a letter per holder of a missing record, in ~/Records-requests
  medpacket request ~/Records --holder \"Riverside Hospital\" --send-to doctor
                                                   one letter, the records to go straight to the second-opinion doctor
  medpacket request ~/Records --mark-sent \"Riverside Hospital\"
                                                   the letter went out today: due in 30 days
  medpacket check ~/Records                        lists open and overdue requests")]
    Request {
        /// The records folder (with a packet.toml listing [[holders]])
        dir: PathBuf,
        /// Write only the letter to this [[holders]] entry (by name)
        #[arg(long, value_name = "NAME")]
        holder: Option<String>,
        /// The folder for the letters (default: <DIR>-requests beside DIR)
        #[arg(short = 'o', long = "output", value_name = "OUTDIR")]
        output: Option<PathBuf>,
        /// Language of the letters (default: [request] language in packet.toml, else English)
        #[arg(long, value_enum)]
        lang: Option<LangArg>,
        /// Where the holder sends the records: to you, or straight to the second-opinion
        /// doctor of [recipient]
        #[arg(long, value_enum, default_value_t = SendToArg::Me)]
        send_to: SendToArg,
        /// Record that the latest letter to this holder was sent today (due in 30 days);
        /// writes no letter
        #[arg(long, value_name = "HOLDER", conflicts_with_all = ["holder", "output", "lang", "send_to"])]
        mark_sent: Option<String>,
        /// Print one JSON object describing the letters
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// Write the packet PDF
    #[command(after_help = "Examples:
  medpacket build ~/Records                          second-opinion-packet-<patient>-<date>.pdf here
  medpacket build ~/Records -o packet.pdf --zip packet.zip --encrypt
                                                     packet and bundle, protected by a password
  medpacket build ~/Records --fax --lang es -o fax.pdf
                                                     Letter pages in grey with a fax cover, in Spanish
  medpacket build ~/Records -o packet.pdf --max-size 18MB
                                                     smaller pictures, then parts under 18 MB for e-mail
  medpacket build ~/Records -o packet.pdf --per-document upload/
                                                     also one PDF per document, for a portal")]
    Build {
        /// The records folder (with a packet.toml)
        dir: PathBuf,
        /// Output file (default: second-opinion-packet-<patient>-<date>.pdf here)
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
        /// Leave out files that cannot be read; they are listed under "Not included"
        #[arg(long)]
        skip_unreadable: bool,
        /// Replace an existing output file
        #[arg(long)]
        force: bool,
        /// Paper size of the generated pages
        #[arg(long, value_enum, default_value_t = PaperArg::Letter)]
        paper: PaperArg,
        /// Also write a ZIP bundle: packet, cover letter, originals and a checksum manifest
        #[arg(long = "zip", value_name = "FILE.zip")]
        zip: Option<PathBuf>,
        /// Protect the packet (and the bundle) with AES-256; the password comes from a
        /// prompt, --password-file or MEDPACKET_PASSWORD, never from the command line
        #[arg(long)]
        encrypt: bool,
        /// Read the password from the first line of this file
        #[arg(long, value_name = "FILE", requires = "encrypt")]
        password_file: Option<PathBuf>,
        /// Print one JSON object describing the packet
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        read: ReadArgs,
        /// Language of the generated pages (default: [request] language in packet.toml,
        /// else English)
        #[arg(long, value_enum)]
        lang: Option<LangArg>,
        /// Ready to fax: every page Letter portrait, images in grey, and a fax cover page
        /// first (sender, recipient, fax numbers, page count)
        #[arg(long, conflicts_with = "paper")]
        fax: bool,
        /// No file larger than this (e.g. 18MB for e-mail, 10MB for a portal): pictures
        /// are made smaller where that costs no legibility, then the packet is cut into
        /// parts <name>-part-K-of-N.pdf (default: [send] max_size in packet.toml)
        #[arg(long, value_name = "SIZE", value_parser = parse_max_size)]
        max_size: Option<u64>,
        /// With --fax: the most pages one send may hold, its fax cover included; a longer
        /// fax goes as <name>-send-K-of-N.pdf, each with its own cover
        #[arg(long, value_name = "N", requires = "fax")]
        fax_pages: Option<u32>,
        /// Also write every document as its own stamped PDF into this folder
        /// (NN-kind-YYYY-MM-DD.pdf), beside a cover-and-index PDF
        #[arg(long, value_name = "DIR")]
        per_document: Option<PathBuf>,
    },
    /// Open a page in your browser to add records, fill in the details, see what is
    /// missing and build the packet (on this computer only)
    #[command(after_help = "Examples:
  medpacket serve ~/records                  opens the page in your browser
  medpacket serve ~/records --port 8400 --no-open
                                             prints the address to open yourself")]
    Serve {
        /// The records folder (created when missing)
        dir: PathBuf,
        /// The port on 127.0.0.1 (default: any free one)
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Print the page's address but do not open the browser
        #[arg(long)]
        no_open: bool,
        /// The largest file one upload may hold, in megabytes
        #[arg(long, value_name = "MB", default_value_t = 200)]
        max_upload_mb: u64,
    },
    /// Print a shell completion script (bash, zsh, fish or powershell)
    #[command(after_help = "Examples:
  medpacket completions bash > ~/.local/share/bash-completion/completions/medpacket
  medpacket completions zsh > ~/.zfunc/_medpacket
  medpacket completions fish > ~/.config/fish/completions/medpacket.fish")]
    Completions {
        /// The shell to complete in
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff)
    #[command(after_help = "Examples:
  medpacket man | man -l -                       read it now
  medpacket man > ~/.local/share/man/man1/medpacket.1")]
    Man,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SendToArg {
    /// To the patient
    Me,
    /// To the second-opinion doctor ([recipient] in packet.toml)
    Doctor,
}

impl From<SendToArg> for medpacket::write::request::SendTo {
    fn from(s: SendToArg) -> Self {
        match s {
            SendToArg::Me => medpacket::write::request::SendTo::Me,
            SendToArg::Doctor => medpacket::write::request::SendTo::Doctor,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LangArg {
    /// English
    En,
    /// Spanish (español)
    Es,
}

impl From<LangArg> for medpacket::base::i18n::Lang {
    fn from(l: LangArg) -> Self {
        match l {
            LangArg::En => medpacket::base::i18n::Lang::En,
            LangArg::Es => medpacket::base::i18n::Lang::Es,
        }
    }
}

/// The completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "medpacket", &mut out);
    out
}

/// The manual page, in roff: clap_mangen's page for medpacket, then a section per
/// command with its usage, options and examples.
pub fn manual() -> std::io::Result<Vec<u8>> {
    use clap::CommandFactory;
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    // The title line first, as man(7) pages begin (clap_mangen puts a string definition
    // before it).
    let text = String::from_utf8_lossy(&out).into_owned();
    let mut lines: Vec<&str> = text.lines().collect();
    if let Some(at) = lines.iter().position(|l| l.starts_with(".TH ")) {
        let th = lines.remove(at);
        lines.insert(0, th);
    }
    let mut out = lines.join("\n").into_bytes();
    out.push(b'\n');
    let mut s = String::from(".SH COMMANDS\n");
    let mut top = Cli::command();
    top.build();
    for sub in top.get_subcommands_mut() {
        let name = sub.get_name().to_string();
        if name == "help" {
            continue;
        }
        s.push_str(&format!(".SS \"medpacket {}\"\n", roff_escape(&name)));
        if let Some(about) = sub.get_long_about().or(sub.get_about()) {
            s.push_str(&format!("{}\n", roff_lines(&about.to_string())));
        }
        let usage = sub.render_usage().to_string();
        let usage = usage.trim_start_matches("Usage:").trim();
        s.push_str(&format!(".PP\n.B {}\n", roff_escape(usage)));
        for arg in sub.get_arguments().filter(|a| !a.is_hide_set()) {
            let id = arg.get_id().as_str();
            if id == "help" || id == "version" {
                continue;
            }
            let head = match (arg.get_short(), arg.get_long()) {
                (Some(c), Some(l)) => format!("-{c}, --{l}"),
                (None, Some(l)) => format!("--{l}"),
                (Some(c), None) => format!("-{c}"),
                (None, None) => id.to_uppercase(),
            };
            s.push_str(&format!(".TP\n\\fB{}\\fR\n", roff_escape(&head)));
            if let Some(h) = arg.get_long_help().or(arg.get_help()) {
                s.push_str(&format!("{}\n", roff_lines(&h.to_string())));
            }
        }
        if let Some(after) = sub.get_after_help() {
            s.push_str(".PP\n.nf\n");
            for line in after.to_string().lines() {
                s.push_str(&roff_text(line));
                s.push('\n');
            }
            s.push_str(".fi\n");
        }
    }
    out.extend_from_slice(s.as_bytes());
    Ok(out)
}

/// Text safe inside a roff line: backslashes escaped, hyphens as minus signs, letters
/// beyond ASCII as named Unicode characters.
fn roff_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\e"),
            '-' => out.push_str("\\-"),
            c if c.is_ascii() => out.push(c),
            c => out.push_str(&format!("\\[u{:04X}]", u32::from(c))),
        }
    }
    out
}

/// A roff text line: escaped, and never starting with a control character.
fn roff_text(s: &str) -> String {
    let e = roff_escape(s);
    if e.starts_with('.') || e.starts_with('\'') {
        format!("\\&{e}")
    } else {
        e
    }
}

/// Several lines of text, each made safe with [`roff_text`].
fn roff_lines(s: &str) -> String {
    s.lines().map(roff_text).collect::<Vec<_>>().join("\n")
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OcrArg {
    Auto,
    Always,
    Never,
}

impl From<OcrArg> for medpacket::OcrMode {
    fn from(o: OcrArg) -> Self {
        match o {
            OcrArg::Auto => medpacket::OcrMode::Auto,
            OcrArg::Always => medpacket::OcrMode::Always,
            OcrArg::Never => medpacket::OcrMode::Never,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PaperArg {
    Letter,
    A4,
}

impl From<PaperArg> for medpacket::Paper {
    fn from(p: PaperArg) -> Self {
        match p {
            PaperArg::Letter => medpacket::Paper::Letter,
            PaperArg::A4 => medpacket::Paper::A4,
        }
    }
}

/// A size as `--max-size` takes it ("18MB", "10 MB", "750KB").
fn parse_max_size(text: &str) -> Result<u64, String> {
    medpacket::base::size::parse_size(text)
}
