//! [`Prism`]: the pinned Prism mock server, started on a spec and killed
//! with its process group on drop.

use std::io::{Read as _, Write as _};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use super::workspace_root;

/// The message when Prism is missing.
pub const PRISM_MISSING: &str = "Prism is not installed: run scripts/test.sh (or `npm ci --prefix tools/prism`); it needs Node.js and npm";

/// Where `npm ci --prefix tools/prism` puts the Prism CLI.
pub fn prism_path() -> PathBuf {
    workspace_root().join("tools/prism/node_modules/.bin/prism")
}

/// Checks that the Prism CLI at `path` exists, with the error message the
/// tests fail with when it does not.
pub fn check_prism(path: &Path) -> Result<(), String> {
    if path.is_file() {
        Ok(())
    } else {
        Err(format!("{PRISM_MISSING} (looked for {})", path.display()))
    }
}

/// How Prism makes up responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrismMode {
    /// The spec's examples (`prism mock`).
    Static,
    /// Random schema-valid data (`prism mock --dynamic`). No `--seed`:
    /// with one, Prism answers every request with the same data.
    Dynamic,
}

/// A running Prism mock server on 127.0.0.1. Killed (with its process
/// group) on drop, also when the test panics; a watchdog shell kills it
/// if the test process dies without running destructors.
pub struct Prism {
    child: Child,
    /// Held open; the watchdog kills Prism when it reaches end of file.
    stdin: Option<ChildStdin>,
    port: u16,
    log: PathBuf,
    spec: String,
    mode: PrismMode,
}

impl std::fmt::Debug for Prism {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prism")
            .field("spec", &self.spec)
            .field("mode", &self.mode)
            .field("port", &self.port)
            .finish()
    }
}

/// Runs Prism in the background and kills it (and removes its log) when
/// stdin closes: the test process exited, whatever the way.
const WATCHDOG: &str = r#""$@" & prism=$!
trap 'kill -9 $prism 2>/dev/null; rm -f "$PRISM_LOG"' EXIT HUP INT TERM
read -r _ignored
exit 0"#;

impl Prism {
    /// Starts Prism on `spec/<spec>` and waits until it answers. Panics
    /// with a clear message when Prism is not installed or does not start.
    pub fn start(spec: &str, mode: PrismMode) -> Prism {
        let binary = prism_path();
        if let Err(message) = check_prism(&binary) {
            panic!("{message}");
        }
        let spec_path = workspace_root().join("spec").join(spec);
        assert!(spec_path.is_file(), "no spec {}", spec_path.display());
        let mut last_error = String::new();
        for _ in 0..3 {
            match Self::try_start(&binary, &spec_path, spec, mode) {
                Ok(prism) => return prism,
                Err(e) => last_error = e,
            }
        }
        panic!("Prism did not start on {spec} ({mode:?}):\n{last_error}");
    }

    fn try_start(
        binary: &Path,
        spec_path: &Path,
        spec: &str,
        mode: PrismMode,
    ) -> Result<Prism, String> {
        use std::os::unix::process::CommandExt as _;

        let port = free_port();
        let log =
            std::env::temp_dir().join(format!("sdk-tests-prism-{}-{port}.log", std::process::id()));
        let log_file = std::fs::File::create(&log).map_err(|e| format!("log file: {e}"))?;
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(WATCHDOG)
            .arg("prism-watchdog")
            .arg(binary)
            .args([
                "mock",
                "-h",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "-v",
                "warn",
            ]);
        if mode == PrismMode::Dynamic {
            command.arg("--dynamic");
        }
        command
            .arg(spec_path)
            .env("PRISM_LOG", &log)
            .stdin(Stdio::piped())
            .stdout(log_file.try_clone().map_err(|e| e.to_string())?)
            .stderr(log_file)
            .process_group(0);
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot run sh to start Prism: {e}"))?;
        let stdin = child.stdin.take();
        let mut prism = Prism {
            child,
            stdin,
            port,
            log,
            spec: spec.to_owned(),
            mode,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = prism.child.try_wait() {
                return Err(format!("Prism exited ({status}):\n{}", prism.log_tail()));
            }
            if prism.answers() {
                return Ok(prism);
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "Prism did not answer within 60 s:\n{}",
                    prism.log_tail()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Whether Prism answers an HTTP request (any response will do).
    fn answers(&self) -> bool {
        let Ok(mut stream) = std::net::TcpStream::connect_timeout(
            &SocketAddr::from(([127, 0, 0, 1], self.port)),
            Duration::from_millis(200),
        ) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        if stream
            .write_all(b"GET /__ready HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n")
            .is_err()
        {
            return false;
        }
        let mut first = [0u8; 8];
        matches!(stream.read(&mut first), Ok(n) if n > 0 && first.starts_with(b"HTTP/"))
    }

    /// The port Prism listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The last lines of Prism's log.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Prism's process id (the watchdog shell's child).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        // The shell leads its own process group: kill the group (Prism
        // with it), then reap the shell.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Whether a process group has a live (not zombie) member, from `/proc`.
pub fn process_group_alive(pgid: u32) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    entries.flatten().any(|entry| {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            return false;
        };
        // `pid (comm) state ppid pgrp …`; comm may contain spaces.
        let Some(rest) = stat.rsplit_once(')').map(|(_, rest)| rest) else {
            return false;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        fields.len() > 2 && fields[0] != "Z" && fields[0] != "X" && fields[2] == pgid.to_string()
    })
}

/// Waits up to `timeout` for a process group to be gone.
pub fn wait_group_gone(pgid: u32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while process_group_alive(pgid) {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}
