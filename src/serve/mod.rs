//! The local web page (`medpacket serve`): a records folder turns into a page on
//! 127.0.0.1 where a patient adds records, fills in packet.toml, reads the checklist and
//! builds the packet — through the same library calls as the commands.
//!
//! Files of one concern: `state` (the app every handler shares, with its helpers),
//! `guard` (token, Host, Origin, security headers), `page` (the view rendered from
//! templates/web/), `details` (the form into packet.toml with toml_edit), `upload`
//! (records in and out of the folder), `choices` (the Build form's options), `job` (the
//! build on a blocking thread, one at a time), `reading` (the page's scan of the folder
//! on a thread of its own), `meter` (their progress), `requests` (records request letters, holders).

mod choices;
mod details;
mod guard;
mod job;
mod meter;
mod page;
mod reading;
mod requests;
mod state;
mod upload;

use crate::base::error::{Error, Result};
use axum::extract::DefaultBodyLimit;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
pub use state::DEFAULT_MAX_UPLOAD;
use state::{create_private_dir, lock, packets_dir_of, App, Jobs, Templates};
use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What `medpacket serve` needs to know.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The records folder (created when missing).
    pub dir: PathBuf,
    /// 0: any free port.
    pub port: u16,
    /// The largest file one upload may hold, in bytes.
    pub max_upload: u64,
}

/// How long a request still running at Ctrl-C or SIGTERM may take before it is dropped.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(400);

/// 32 bytes from the operating system's random source, as hex.
fn new_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::Internal(format!("no random numbers from the system: {e}")))?;
    Ok(crate::read::scan::hex(&bytes))
}

/// Runs the page until Ctrl-C or SIGTERM. `ready` gets the page's URL (with the token)
/// once the port is open; it prints it and opens the browser.
pub fn run(opts: &ServeOptions, ready: impl FnOnce(&str)) -> Result<()> {
    if opts.dir.exists() && !opts.dir.is_dir() {
        return Err(Error::NotAFolder(opts.dir.clone()));
    }
    create_private_dir(&opts.dir)?;
    let dir = opts
        .dir
        .canonicalize()
        .map_err(|e| Error::io(&opts.dir, e))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| Error::Internal(format!("cannot start the web server: {e}")))?;
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, opts.port));
    let listener = rt
        .block_on(tokio::net::TcpListener::bind(addr))
        .map_err(|e| {
            Error::Internal(format!(
                "cannot listen on {addr}: {e} — choose another port with --port, or leave it out to take any free one"
            ))
        })?;
    let port = listener
        .local_addr()
        .map_err(|e| Error::Internal(format!("cannot read the server's port: {e}")))?
        .port();
    let app = Arc::new(App {
        packets_dir: packets_dir_of(&dir),
        requests_dir: crate::requests_dir_of(&dir),
        letters: Mutex::new(Vec::new()),
        dir,
        token: new_token()?,
        port,
        max_upload: opts.max_upload,
        notices: Mutex::new(Vec::new()),
        draft: Mutex::new(None),
        job: Jobs::default(),
        reading: Default::default(),
        temps: Mutex::new(BTreeSet::new()),
        templates: Templates::new()?,
    });
    // Ctrl-C and SIGTERM are caught from before the address is printed: a stop sent as
    // soon as the page is up still shuts down cleanly.
    let signals = {
        let _inside = rt.enter();
        Signals::catch()
    };
    ready(&format!("http://127.0.0.1:{port}/?token={}", app.token));

    let router = routes(app.clone());
    rt.block_on(async move {
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let server = axum::serve(listener, router).with_graceful_shutdown(async move {
            let _ = stop_rx.await;
        });
        let server = tokio::spawn(async move { server.await });
        signals.wait().await;
        let _ = stop_tx.send(());
        // Open tabs keep connections alive; a request still running gets a moment, then
        // the runtime drops it (and with it any upload's temporary file).
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, server).await;
    });
    rt.shutdown_timeout(Duration::from_millis(100));
    cleanup(&app);
    Ok(())
}

/// Ctrl-C and SIGTERM, caught (on Unix) from the moment this is made.
struct Signals {
    #[cfg(unix)]
    caught: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Signals {
    /// Needs the runtime entered.
    fn catch() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Signals {
                caught: signal(SignalKind::interrupt())
                    .and_then(|i| Ok((i, signal(SignalKind::terminate())?)))
                    .ok(),
            }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    /// Waits for Ctrl-C or SIGTERM.
    async fn wait(self) {
        #[cfg(unix)]
        if let Some((mut int, mut term)) = self.caught {
            tokio::select! {
                _ = int.recv() => {},
                _ = term.recv() => {},
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Removes what an interrupted upload or build left behind.
fn cleanup(app: &App) {
    for p in lock(&app.temps).iter() {
        let _ = std::fs::remove_file(p);
    }
    app.job.cleanup(&app.packets_dir);
}

fn routes(app: Arc<App>) -> Router {
    // Each file is limited while it streams in; the request as a whole may hold many.
    let upload_limit = app.max_upload.saturating_mul(64).min(usize::MAX as u64) as usize;
    Router::new()
        .route("/", get(page::show))
        .route("/static/style.css", get(style))
        .route("/static/app.js", get(script))
        .route(
            "/upload",
            post(upload::receive).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/remove", post(upload::remove))
        .route("/details", post(details::save))
        .route("/build", post(job::start))
        .route("/build/status", get(job::status))
        .route("/records/status", get(page::reading_status))
        .route("/download/{id}", get(job::download))
        .route("/view/{id}", get(job::view))
        .route("/requests/write", post(requests::write))
        .route("/requests/sent", post(requests::sent))
        .route("/holders", post(requests::add))
        .route("/letter/{id}", get(requests::download))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            guard::guard,
        ))
        .with_state(app)
}

async fn style() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        page::STYLE,
    )
        .into_response()
}

async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        page::SCRIPT,
    )
        .into_response()
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "Not found — go back to the page medpacket opened.\n",
    )
        .into_response()
}
