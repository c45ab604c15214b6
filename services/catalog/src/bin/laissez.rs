//! `laissez`: the administrator's command-line tool.
//!
//! `laissez catalog validate DIR` checks one agency folder, or every agency
//! folder under DIR; `quote`, `documents`, `eligibility` read JSON on stdin
//! (or `--input FILE`) and print JSON; `due-date` counts working days.
//! `laissez demo accounts` lists the development stack's demo accounts.

use anyhow::{Context, Result, anyhow};
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use laissez_catalog::rules::RuleInput;
use laissez_catalog::{Catalog, calendar, documents, eligibility, fees, load};
use serde::Deserialize;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "laissez", about = "Laissez administration tool")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Agency catalogs.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// The development stack's demo people (`deploy/demo/`).
    #[command(subcommand)]
    Demo(DemoCommand),
}

#[derive(Subcommand)]
enum DemoCommand {
    /// Every demo account: where it signs in, its login, password and roles.
    Accounts {
        #[arg(long, default_value = "deploy/demo")]
        dir: PathBuf,
        /// Tab-separated, one account a line, with the authenticator's secret
        /// (agency, portal, login, password, roles, secret).
        #[arg(long)]
        tsv: bool,
    },
}

#[derive(Subcommand)]
enum CatalogCommand {
    /// Validate an agency folder (or a folder of agency folders); lists every error.
    Validate { dir: PathBuf },
    /// Quote a fee: JSON query in, JSON breakdown out.
    Quote(JsonInput),
    /// Required documents for the given answers and applicant.
    Documents(JsonInput),
    /// Eligibility decision with reasons.
    Eligibility(JsonInput),
    /// Due date in working days of the agency calendar.
    DueDate(DueDate),
}

#[derive(Args)]
struct CatalogChoice {
    /// Agency folder.
    #[arg(long, conflicts_with = "agency")]
    catalog: Option<PathBuf>,
    /// Agency code, read from `<root>/<code>`.
    #[arg(long)]
    agency: Option<String>,
    /// Folder of agency folders.
    #[arg(long, default_value = "deploy/agencies")]
    root: PathBuf,
}

impl CatalogChoice {
    fn load(&self) -> Result<Catalog> {
        let dir = match (&self.catalog, &self.agency) {
            (Some(dir), _) => dir.clone(),
            (None, Some(agency)) => self.root.join(agency),
            (None, None) => return Err(anyhow!("give --catalog DIR or --agency CODE")),
        };
        load::load_dir(&dir).map_err(|errors| anyhow!("{errors}"))
    }
}

#[derive(Args)]
struct JsonInput {
    #[command(flatten)]
    catalog: CatalogChoice,
    /// JSON input file; standard input when absent.
    #[arg(long)]
    input: Option<PathBuf>,
}

#[derive(Args)]
struct DueDate {
    #[command(flatten)]
    catalog: CatalogChoice,
    /// First day (not counted).
    #[arg(long)]
    start: NaiveDate,
    /// Working days to add.
    #[arg(
        long,
        required_unless_present = "type_code",
        conflicts_with = "type_code"
    )]
    working_days: Option<u32>,
    /// Application type whose processing time is used.
    #[arg(long = "type")]
    type_code: Option<String>,
    /// Express processing (with --type).
    #[arg(long)]
    express: bool,
}

/// Input of `documents` and `eligibility`: the rule input plus the type.
#[derive(Deserialize)]
struct TypedRuleInput {
    #[serde(rename = "type")]
    application_type: String,
    #[serde(flatten)]
    input: RuleInput,
}

/// The catalog's code lists, as rules see them (`lists.<name>`), unless
/// the input gives its own.
fn with_lists(mut input: TypedRuleInput, catalog: &Catalog) -> TypedRuleInput {
    if input.input.lists.is_empty() {
        input.input.lists = laissez_catalog::rules::list_codes(&catalog.code_lists);
    }
    input
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let command = match cli.command {
        Command::Catalog(command) => command,
        Command::Demo(DemoCommand::Accounts { dir, tsv }) => {
            return demo_accounts(&dir, tsv).map(|()| ExitCode::SUCCESS);
        }
    };
    match command {
        CatalogCommand::Validate { dir } => Ok(validate(&dir)),
        CatalogCommand::Quote(args) => {
            let catalog = args.catalog.load()?;
            let query: fees::FeeQuery = read_json(args.input.as_deref())?;
            let quote = fees::quote(&catalog, &query)?;
            print_json(&quote)
        }
        CatalogCommand::Documents(args) => {
            let catalog = args.catalog.load()?;
            let input = with_lists(read_json(args.input.as_deref())?, &catalog);
            let application_type = find_type(&catalog, &input.application_type)?;
            print_json(&documents::documents_for(application_type, &input.input)?)
        }
        CatalogCommand::Eligibility(args) => {
            let catalog = args.catalog.load()?;
            let input = with_lists(read_json(args.input.as_deref())?, &catalog);
            let application_type = find_type(&catalog, &input.application_type)?;
            print_json(&eligibility::evaluate(application_type, &input.input))
        }
        CatalogCommand::DueDate(args) => {
            let catalog = args.catalog.load()?;
            let days = match (&args.working_days, &args.type_code) {
                (Some(days), _) => *days,
                (None, Some(code)) => {
                    let application_type = find_type(&catalog, code)?;
                    let input = RuleInput {
                        answers: Default::default(),
                        applicant: laissez_catalog::rules::Applicant {
                            date_of_birth: args.start,
                            relationship: "self".into(),
                            documents_held: Vec::new(),
                            attributes: Default::default(),
                        },
                        record: Default::default(),
                        today: args.start,
                        lists: laissez_catalog::rules::list_codes(&catalog.code_lists),
                    };
                    calendar::processing_days(application_type, &input, args.express)?
                }
                (None, None) => return Err(anyhow!("give --working-days or --type")),
            };
            let due = calendar::WorkingDayCalendar::new(&catalog.calendar)
                .add_working_days(args.start, days)?;
            print_json(&serde_json::json!({
                "agency": catalog.agency.code,
                "start": args.start,
                "working_days": days,
                "express": args.express,
                "due_date": due,
            }))
        }
    }
}

fn validate(dir: &Path) -> ExitCode {
    let is_agency = dir.join("agency.yaml").exists();
    let results = if is_agency {
        let name = dir
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        std::iter::once((name, load::load_dir(dir))).collect()
    } else {
        load::load_all(dir)
    };
    if results.is_empty() {
        eprintln!("{}: no agency folder found", dir.display());
        return ExitCode::from(2);
    }
    let mut failed = false;
    for (name, result) in results {
        let folder = if is_agency {
            dir.to_path_buf()
        } else {
            dir.join(&name)
        };
        match result {
            Ok(catalog) => {
                println!(
                    "ok {}: {} application types, {} fee rows, {} holidays{}",
                    folder.display(),
                    catalog.application_types.len(),
                    catalog.fees.rows.len(),
                    catalog.calendar.holidays.len(),
                    catalog
                        .calendar
                        .jurisdiction
                        .as_ref()
                        .map(|code| format!(" (with {code}'s public holidays)"))
                        .unwrap_or_default()
                );
                let files = load::read_dir_files(&folder).unwrap_or_default();
                for warning in load::calendar_warnings(&files) {
                    let file = folder.join(&warning.file);
                    println!(
                        "  warning: {}:{}: {}: {}",
                        file.display(),
                        warning.line.unwrap_or_default(),
                        warning.field,
                        warning.message
                    );
                }
            }
            Err(errors) => {
                failed = true;
                println!("FAILED {}: {} error(s)", folder.display(), errors.0.len());
                for error in errors.0 {
                    let file = folder.join(&error.file);
                    match error.line {
                        Some(line) => println!(
                            "  {}:{line}: {}: {}",
                            file.display(),
                            error.field,
                            error.message
                        ),
                        None => {
                            println!("  {}: {}: {}", file.display(), error.field, error.message)
                        }
                    }
                }
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn find_type<'a>(
    catalog: &'a Catalog,
    code: &str,
) -> Result<&'a laissez_catalog::format::ApplicationType> {
    catalog
        .application_type(code)
        .ok_or_else(|| anyhow!("unknown application type `{code}`"))
}

fn read_json<T: for<'de> Deserialize<'de>>(path: Option<&Path>) -> Result<T> {
    let text = match path {
        Some(path) => {
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?
        }
        None => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("reading standard input")?;
            text
        }
    };
    serde_json::from_str(&text).context("input is not valid JSON for this command")
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<ExitCode> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(ExitCode::SUCCESS)
}

/// Prints the demo accounts of `dir`.
fn demo_accounts(dir: &Path, tsv: bool) -> Result<()> {
    let loaded = laissez_catalog::demo::load_dir(dir)?;
    let mut rows = Vec::new();
    for (_, demo) in &loaded {
        for staff in &demo.staff {
            rows.push([
                demo.agency.clone(),
                "staff".to_owned(),
                staff.login_name.clone(),
                demo.password.clone(),
                staff.roles.join(","),
                staff.totp_secret.clone(),
            ]);
        }
        for applicant in &demo.applicants {
            rows.push([
                demo.agency.clone(),
                applicant.portal.clone(),
                applicant.login_name.clone(),
                demo.password.clone(),
                "applicant".to_owned(),
                String::new(),
            ]);
        }
    }
    let mut out = std::io::stdout().lock();
    let written = if tsv {
        rows.iter()
            .try_for_each(|row| writeln!(out, "{}", row.join("\t")))
    } else {
        writeln!(
            out,
            "{:<14} {:<18} {:<26} {:<20} roles",
            "agency", "portal", "login", "password"
        )
        .and_then(|()| {
            rows.iter()
                .try_for_each(|[agency, portal, login, password, roles, _]| {
                    writeln!(
                        out,
                        "{agency:<14} {portal:<18} {login:<26} {password:<20} {roles}"
                    )
                })
        })
    };
    match written {
        // A reader that stopped early (`| head`, `awk … exit`) is no error.
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
