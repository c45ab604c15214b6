//! Offline tools of the render binary:
//!
//! - `laissez-render check [--fonts PATH]… FOLDER…`: loads each agency
//!   folder as the catalog loader does and lays every document template out
//!   with sample data and the fonts, reporting each problem with its file
//!   and line;
//! - `laissez-render verify --keys KEYS.json SEAL|@FILE|-`: checks a seal's
//!   text (what its QR code holds) against published public keys only, no
//!   network (revocation needs the online verifier).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::engine::{DEFAULT_FONTS, Engine};
use crate::seal::{self, PublicKey};

#[derive(Parser)]
#[command(name = "laissez-render", about = "Laissez document tools")]
struct Tools {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lays out every document template of agency folders with sample data.
    Check {
        /// Fonts to lay out with (default: Debian's Noto CJK and HanaMin).
        #[arg(long)]
        fonts: Vec<PathBuf>,
        /// Write each sample PDF into this folder.
        #[arg(long)]
        out: Option<PathBuf>,
        folders: Vec<PathBuf>,
    },
    /// Verifies a seal offline against published keys (`/verify/keys.json`).
    Verify {
        #[arg(long)]
        keys: PathBuf,
        /// The seal's text, `@file` to read it from a file, or `-` for stdin.
        seal: String,
    },
}

/// Runs a tool when the first argument names one; `Some(exit code)` then.
pub fn run_if_asked() -> anyhow::Result<Option<i32>> {
    let first = std::env::args().nth(1);
    if !matches!(first.as_deref(), Some("check" | "verify")) {
        return Ok(None);
    }
    let tools = Tools::parse();
    Ok(Some(match tools.command {
        Command::Check {
            fonts,
            out,
            folders,
        } => check(&fonts, out.as_deref(), &folders)?,
        Command::Verify { keys, seal } => verify(&keys, &seal)?,
    }))
}

/// Problems of one agency folder's documents, each `file: message`.
pub fn check_folder(
    engine: &Engine,
    folder: &std::path::Path,
    out: Option<&std::path::Path>,
) -> Vec<String> {
    let catalog = match laissez_catalog::load_dir(folder) {
        Ok(catalog) => catalog,
        Err(errors) => return errors.0.iter().map(ToString::to_string).collect(),
    };
    let mut problems = Vec::new();
    for template in &catalog.documents {
        let job = match crate::sample::job(&catalog, template) {
            Ok(job) => job,
            Err(error) => {
                problems.push(format!("{}: {error}", template.template));
                continue;
            }
        };
        let id = uuid::Uuid::nil();
        let seal_text = if template.sealed {
            "{\"sample\":\"seal\"}"
        } else {
            ""
        };
        let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
        let data = crate::produce::template_data(&job, &catalog, template, id, seal_text, today);
        let attachments = match crate::produce::attachments(&data, seal_text) {
            Ok(attachments) => attachments,
            Err(error) => {
                problems.extend(
                    error
                        .problems
                        .iter()
                        .map(|problem| format!("{}: {problem}", template.template)),
                );
                continue;
            }
        };
        match engine.render(&template.source, &data, attachments, today) {
            Ok(pdf) => {
                if let Some(out) = out {
                    let name = format!("{}-{}.pdf", catalog.agency.code, template.kind.as_str());
                    if let Err(error) = std::fs::create_dir_all(out)
                        .and_then(|()| std::fs::write(out.join(name), pdf))
                    {
                        problems.push(format!("{}: {error}", out.display()));
                    }
                }
            }
            Err(error) => problems.extend(
                error
                    .problems
                    .iter()
                    .map(|problem| format!("{}: {problem}", template.template)),
            ),
        }
    }
    problems
}

fn check(
    fonts: &[PathBuf],
    out: Option<&std::path::Path>,
    folders: &[PathBuf],
) -> anyhow::Result<i32> {
    let fonts: Vec<PathBuf> = if fonts.is_empty() {
        DEFAULT_FONTS.iter().map(PathBuf::from).collect()
    } else {
        fonts.to_vec()
    };
    let engine = Engine::load(&fonts)?;
    let mut failed = false;
    for folder in folders {
        let problems = check_folder(&engine, folder, out);
        if problems.is_empty() {
            println!("{}: documents lay out", folder.display());
        }
        for problem in problems {
            failed = true;
            eprintln!("{}: {problem}", folder.display());
        }
    }
    Ok(i32::from(failed))
}

fn verify(keys: &std::path::Path, text: &str) -> anyhow::Result<i32> {
    #[derive(serde::Deserialize)]
    struct Published {
        keys: Vec<PublicKey>,
    }
    let bytes = std::fs::read(keys)?;
    let published: Vec<PublicKey> = serde_json::from_slice(&bytes)
        .or_else(|_| serde_json::from_slice::<Published>(&bytes).map(|published| published.keys))?;
    let keys = seal::verifying_keys(&published).map_err(anyhow::Error::msg)?;
    let text = if text == "-" {
        std::io::read_to_string(std::io::stdin())?
    } else if let Some(path) = text.strip_prefix('@') {
        std::fs::read_to_string(path)?
    } else {
        text.to_owned()
    };
    match seal::verify_with(&text, |agency, kid| {
        keys.get(&(agency.to_owned(), kid.to_owned())).copied()
    }) {
        Ok(data) => {
            println!("valid: signed by {}", data.hdr.is);
            println!("{}", serde_json::to_string_pretty(&data)?);
            Ok(0)
        }
        Err(error) => {
            println!("invalid: {error}");
            Ok(1)
        }
    }
}
