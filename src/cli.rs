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
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every file with its kind, date, title, pages and status
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
    /// Is the folder ready to send? Required records present or missing, and problems
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
    Init {
        /// The records folder
        dir: PathBuf,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// Write the cover letter to the second-opinion doctor
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
    },
    /// Write the packet PDF
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
    },
    /// Open a page in your browser to add records, fill in the details, see what is
    /// missing and build the packet (on this computer only)
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
