//! Loading a catalog from files and validating it, reporting every error at once.
//!
//! An agency folder holds `agency.yaml`, `fees.yaml`, `calendar.yaml`,
//! `types/<code>.yaml` (one per application type) and optionally
//! `templates.yaml` (overrides of the platform's default message templates)
//! and `documents.yaml` with the Typst templates it names under
//! `documents/` (the documents the agency issues).

mod checks;
mod fragments;
mod lines;
mod validate;
mod validate_calendar;
mod validate_delivery;
mod validate_documents;
mod validate_fees;
mod validate_templates;
mod validate_types;

use crate::format::{
    AgencyFile, ApplicationType, Calendar, Catalog, DocumentsFile, FeeSchedule,
    JurisdictionCalendar, TemplateSet,
};
use crate::templates::{DEFAULT_TEMPLATES_PATH, DEFAULT_TEMPLATES_YAML};
use fragments::Fragments;
pub use lines::LineIndex;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// One problem in a catalog, located by file, line and field path.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LoadError {
    pub file: String,
    pub line: Option<usize>,
    pub field: String,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(
                formatter,
                "{}:{line}: {}: {}",
                self.file, self.field, self.message
            ),
            None => write!(formatter, "{}: {}: {}", self.file, self.field, self.message),
        }
    }
}

/// All the problems found in a catalog.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("catalog has {} error(s):\n{}", .0.len(), display_list(.0))]
pub struct LoadErrors(pub Vec<LoadError>);

fn display_list(errors: &[LoadError]) -> String {
    errors
        .iter()
        .map(|error| format!("  {error}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A catalog file: its path relative to the agency folder and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
    pub lines: LineIndex,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> SourceFile {
        let text = text.into();
        let lines = LineIndex::build(&text);
        SourceFile {
            path: path.into(),
            text,
            lines,
        }
    }
}

/// Loads the agency folder `dir`.
pub fn load_dir(dir: &Path) -> Result<Catalog, LoadErrors> {
    let files = read_dir_files(dir).map_err(|error| {
        LoadErrors(vec![LoadError {
            file: dir.display().to_string(),
            line: None,
            field: String::new(),
            message: format!("cannot read folder: {error}"),
        }])
    })?;
    load_files(&files)
}

/// The `(relative path, bytes)` pairs of an agency folder, as `load_files`
/// takes them, with the shared calendar of the jurisdiction its
/// `calendar.yaml` names (`../_jurisdictions/<code>.yaml`, given as
/// `_jurisdictions/<code>.yaml`) when there is one.
pub fn read_dir_files(dir: &Path) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    collect(dir, dir, &mut files)?;
    let jurisdiction = files
        .iter()
        .find(|(path, _)| path == "calendar.yaml")
        .and_then(|(_, bytes)| jurisdiction_of(bytes));
    if let (Some(code), Some(parent)) = (jurisdiction, dir.parent()) {
        let shared = parent.join(JURISDICTIONS_DIR).join(format!("{code}.yaml"));
        if shared.is_file() {
            files.push((
                format!("{JURISDICTIONS_DIR}/{code}.yaml"),
                std::fs::read(&shared)?,
            ));
        }
    }
    files.sort_by(|left, right| left.0.cmp(&right.0));
    Ok(files)
}

/// Where the jurisdictions' shared calendars live, beside the agency
/// folders; not an agency.
pub const JURISDICTIONS_DIR: &str = "_jurisdictions";

/// The `jurisdiction:` a calendar file names, if it parses that far. A
/// code is letters, digits, `-` and `_` only (it becomes a file name).
fn jurisdiction_of(bytes: &[u8]) -> Option<String> {
    let value: serde_yaml::Value = serde_yaml::from_slice(bytes).ok()?;
    let code = value.get("jurisdiction")?.as_str()?;
    let plain = !code.is_empty()
        && code
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || matches!(character, '-' | '_'));
    plain.then(|| code.to_owned())
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, Vec<u8>)>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(root, &path, files)?;
        } else if path.extension().is_some_and(|extension| {
            extension == "yaml" || extension == "yml" || extension == "typ"
        }) {
            let relative = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            files.push((relative, std::fs::read(&path)?));
        }
    }
    Ok(())
}

/// Loads a catalog from in-memory files (the gRPC admin call receives files).
pub fn load_files(files: &[(String, Vec<u8>)]) -> Result<Catalog, LoadErrors> {
    let mut errors = Vec::new();
    let mut sources = Vec::new();
    for (path, bytes) in files {
        let path = path.trim_start_matches("./").replace('\\', "/");
        match std::str::from_utf8(bytes) {
            Ok(text) => sources.push(SourceFile::new(path.clone(), text)),
            Err(error) => errors.push(LoadError {
                file: path.clone(),
                line: None,
                field: String::new(),
                message: format!("not UTF-8: {error}"),
            }),
        }
    }
    let parts = parse_parts(&sources, &mut errors);
    // Every cross-file check reads agency.yaml (its currency, code lists,
    // centres, languages): when it does not parse, that is the cause to
    // report, with each other file's own errors, and not the cascade a
    // missing agency would set off in the files that depend on it.
    let agency_unparsed =
        parts.agency.is_none() && sources.iter().any(|source| source.path == "agency.yaml");
    if agency_unparsed {
        return Err(LoadErrors(errors));
    }
    let catalog = validate::validate(&parts, &mut errors);
    match catalog {
        Some(catalog) if errors.is_empty() => Ok(catalog),
        _ => Err(LoadErrors(errors)),
    }
}

/// Where an agency's own calendar disagrees with the shared calendar of
/// its jurisdiction: an own holiday on a shared holiday's date (repeated,
/// or named otherwise) or an own working day on a shared holiday. Not
/// errors, since the agency may mean it (its own day wins), but two
/// agencies of one jurisdiction should not differ by accident:
/// `laissez catalog validate` prints them.
pub fn calendar_warnings(files: &[(String, Vec<u8>)]) -> Vec<LoadError> {
    let text = |wanted: &str| {
        files
            .iter()
            .find(|(path, _)| path == wanted)
            .and_then(|(_, bytes)| String::from_utf8(bytes.clone()).ok())
    };
    let Some(calendar_text) = text("calendar.yaml") else {
        return Vec::new();
    };
    let Ok(calendar) = serde_yaml::from_str::<Calendar>(&calendar_text) else {
        return Vec::new();
    };
    let Some(code) = &calendar.jurisdiction else {
        return Vec::new();
    };
    let shared_path = format!("{JURISDICTIONS_DIR}/{code}.yaml");
    let Some(shared) = text(&shared_path)
        .and_then(|shared| serde_yaml::from_str::<JurisdictionCalendar>(&shared).ok())
    else {
        return Vec::new();
    };
    let source = SourceFile::new("calendar.yaml", calendar_text);
    let mut warnings = Vec::new();
    let mut warn = |field: String, message: String| {
        warnings.push(LoadError {
            file: source.path.clone(),
            line: source.lines.line_of(&field),
            field,
            message,
        });
    };
    for (index, day) in calendar.holidays.iter().enumerate() {
        if let Some(public) = shared
            .holidays
            .iter()
            .find(|public| public.date == day.date)
        {
            let message = if public.name == day.name {
                format!(
                    "{} is already a public holiday of `{code}` ({shared_path})",
                    day.date
                )
            } else {
                format!(
                    "{} is `{code}`'s public holiday \"{}\", named \"{}\" here: the agency's name is used",
                    day.date, public.name.en, day.name.en
                )
            };
            warn(format!("holidays[{index}].date"), message);
        }
    }
    for (index, day) in calendar.extra_working_days.iter().enumerate() {
        if let Some(public) = shared
            .holidays
            .iter()
            .find(|public| public.date == day.date)
        {
            warn(
                format!("extra_working_days[{index}].date"),
                format!(
                    "{} is `{code}`'s public holiday \"{}\": the agency works that day",
                    day.date, public.name.en
                ),
            );
        }
    }
    warnings
}

/// The files of a catalog, parsed but not yet cross-checked.
pub(crate) struct Parts<'a> {
    pub agency: Option<(&'a SourceFile, AgencyFile)>,
    pub fees: Option<(&'a SourceFile, FeeSchedule)>,
    pub calendar: Option<(&'a SourceFile, Calendar)>,
    /// Shared jurisdiction calendars given with the agency's files.
    pub jurisdictions: Vec<(&'a SourceFile, String, JurisdictionCalendar)>,
    pub types: Vec<(&'a SourceFile, ApplicationType)>,
    pub templates: Option<(&'a SourceFile, TemplateSet)>,
    pub documents: Option<(&'a SourceFile, DocumentsFile)>,
    /// The Typst templates under `documents/`.
    pub document_sources: Vec<&'a SourceFile>,
    pub default_templates: Option<(SourceFile, TemplateSet)>,
    /// Codes of type files that did not parse (their error is reported once;
    /// references to them are not reported again).
    pub unparsed_type_codes: Vec<String>,
}

fn parse_parts<'a>(sources: &'a [SourceFile], errors: &mut Vec<LoadError>) -> Parts<'a> {
    let mut parts = Parts {
        agency: None,
        fees: None,
        calendar: None,
        jurisdictions: Vec::new(),
        types: Vec::new(),
        templates: None,
        documents: None,
        document_sources: Vec::new(),
        default_templates: None,
        unparsed_type_codes: Vec::new(),
    };
    let fragments_file = sources
        .iter()
        .find(|source| source.path == fragments::FRAGMENTS_FILE);
    let mut fragments = fragments_file
        .map(|source| Fragments::read(source, errors))
        .unwrap_or_default();
    let defaults = SourceFile::new(DEFAULT_TEMPLATES_PATH, DEFAULT_TEMPLATES_YAML);
    parts.default_templates = parse::<TemplateSet>(&defaults, errors).map(|set| (defaults, set));
    for source in sources {
        let name = source.path.as_str();
        match name {
            "agency.yaml" => parts.agency = parse(source, errors).map(|value| (source, value)),
            "fees.yaml" => parts.fees = parse(source, errors).map(|value| (source, value)),
            "calendar.yaml" => parts.calendar = parse(source, errors).map(|value| (source, value)),
            "templates.yaml" => parts.templates = parse(source, errors).map(|value| (source, value)),
            "documents.yaml" => parts.documents = parse(source, errors).map(|value| (source, value)),
            fragments::FRAGMENTS_FILE => {}
            _ if name.starts_with(&format!("{JURISDICTIONS_DIR}/")) && name.ends_with(".yaml") => {
                let code = name[JURISDICTIONS_DIR.len() + 1..name.len() - ".yaml".len()].to_owned();
                if let Some(value) = parse(source, errors) {
                    parts.jurisdictions.push((source, code, value));
                }
            }
            _ if name.starts_with("documents/") && name.ends_with(".typ") => {
                parts.document_sources.push(source);
            }
            _ if name.starts_with("types/") => {
                match parse_type(source, &mut fragments, errors) {
                    Some(value) => parts.types.push((source, value)),
                    None => parts.unparsed_type_codes.extend(code_of(&source.text)),
                }
            }
            _ => errors.push(LoadError {
                file: source.path.clone(),
                line: None,
                field: String::new(),
                message: "unexpected file: a catalog has agency.yaml, fees.yaml, calendar.yaml, templates.yaml, documents.yaml, fragments.yaml, types/*.yaml, documents/*.typ and the shared _jurisdictions/<code>.yaml its calendar names".into(),
            }),
        }
    }
    // Unused fragments are named only when every type could be read.
    if let Some(source) = fragments_file
        && parts.unparsed_type_codes.is_empty()
    {
        fragments.report_unused(source, errors);
    }
    for (required, present) in [
        ("agency.yaml", parts.agency.is_some()),
        ("fees.yaml", parts.fees.is_some()),
        ("calendar.yaml", parts.calendar.is_some()),
    ] {
        let exists = sources.iter().any(|source| source.path == required);
        if !present && !exists {
            errors.push(LoadError {
                file: required.into(),
                line: None,
                field: String::new(),
                message: "file is missing".into(),
            });
        }
    }
    if parts.types.is_empty()
        && !sources
            .iter()
            .any(|source| source.path.starts_with("types/"))
    {
        errors.push(LoadError {
            file: "types/".into(),
            line: None,
            field: String::new(),
            message: "an agency needs at least one application type".into(),
        });
    }
    parts
}

/// A type file with its fragments in place; read as written (with the
/// parser's own line numbers) when it uses none.
fn parse_type(
    source: &SourceFile,
    fragments: &mut Fragments,
    errors: &mut Vec<LoadError>,
) -> Option<ApplicationType> {
    let Ok(mut value) = serde_yaml::from_str::<serde_yaml::Value>(&source.text) else {
        return parse(source, errors);
    };
    let before = errors.len();
    if !fragments.expand(source, &mut value, errors) {
        return parse(source, errors);
    }
    if errors.len() > before {
        return None;
    }
    match serde_path_to_error::deserialize::<_, ApplicationType>(value) {
        Ok(application_type) => Some(application_type),
        Err(error) => {
            let field = error.path().to_string();
            errors.push(LoadError {
                file: source.path.clone(),
                line: source.lines.line_of(&field),
                message: error.into_inner().to_string(),
                field,
            });
            None
        }
    }
}

fn parse<T: DeserializeOwned>(source: &SourceFile, errors: &mut Vec<LoadError>) -> Option<T> {
    let deserializer = serde_yaml::Deserializer::from_str(&source.text);
    match serde_path_to_error::deserialize::<_, T>(deserializer) {
        Ok(value) => Some(value),
        Err(error) => {
            let field = error.path().to_string();
            let field = if field == "." { String::new() } else { field };
            let inner = error.into_inner();
            let line = inner
                .location()
                .map(|location| location.line())
                .or_else(|| source.lines.line_of(&field));
            let message = inner.to_string();
            let message = match message.find(" at line ") {
                Some(cut) => message[..cut].to_owned(),
                None => message,
            };
            // serde_yaml prefixes the path of the enclosing value; the field already says it.
            let message = match message.split_once(": ") {
                Some((prefix, rest)) if !prefix.contains(' ') && field.starts_with(prefix) => {
                    rest.to_owned()
                }
                _ => message,
            };
            errors.push(LoadError {
                file: source.path.clone(),
                line,
                field,
                message,
            });
            None
        }
    }
}

fn code_of(text: &str) -> Option<String> {
    let value: serde_yaml::Value = serde_yaml::from_str(text).ok()?;
    value.get("code")?.as_str().map(str::to_owned)
}

/// Loads every agency folder under `root` (e.g. `deploy/agencies`).
pub fn load_all(root: &Path) -> BTreeMap<String, Result<Catalog, LoadErrors>> {
    let mut result = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(root) else {
        return result;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        // `_jurisdictions` (shared calendars) and hidden folders are not agencies.
        if path.is_dir() && !name.starts_with('_') && !name.starts_with('.') {
            result.insert(name, load_dir(&path));
        }
    }
    result
}
