//! Lays documents out: a Typst template of the agency's catalog, compiled
//! against a small virtual file system (`main.typ`, `data.json`, `seal.svg`)
//! and the fonts loaded once at start, then written as PDF with the fonts
//! embedded and subset.

use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::PagedDocument;

/// Debian's Noto CJK (SIL Open Font Licence 1.1) and HanaMin (CJK
/// characters outside the BMP, e.g. 𠀀), as `./deploy/dev.sh` and the
/// container image install them.
pub const DEFAULT_FONTS: [&str; 3] = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/hanazono/HanaMinB.ttf",
];

/// A file a template reads besides its data: `seal.svg`, barcodes.
pub struct Attachment {
    pub name: std::borrow::Cow<'static, str>,
    pub bytes: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("font {path}: {reason}")]
    Font { path: String, reason: String },
    #[error("no font could be loaded from {0}")]
    NoFonts(String),
}

/// Why a template could not be laid out: each problem with its line.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", .problems.join("; "))]
pub struct TemplateError {
    pub problems: Vec<String>,
}

/// The fonts and the standard library, shared by every render.
pub struct Engine {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

static MAIN: LazyLock<FileId> = LazyLock::new(|| file_id("main.typ"));

fn file_id(path: &str) -> FileId {
    let path = VirtualPath::new(path).expect("a fixed virtual path is valid");
    RootedPath::new(VirtualRoot::Project, path).intern()
}

impl Engine {
    /// Loads every font of `paths` (files, or folders searched for
    /// `.ttf`/`.otf`/`.ttc`); an unreadable file is an error, not a gap.
    pub fn load(paths: &[PathBuf]) -> Result<Engine, EngineError> {
        let mut fonts = Vec::new();
        for path in paths {
            load_fonts(path, &mut fonts)?;
        }
        if fonts.is_empty() {
            let listed = paths
                .iter()
                .map(|path| path.display().to_string())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(EngineError::NoFonts(listed));
        }
        let book = FontBook::from_infos(fonts.iter().map(|font| font.info().clone()));
        Ok(Engine {
            library: LazyHash::new(Library::builder().build()),
            book: LazyHash::new(book),
            fonts,
        })
    }

    /// The font families loaded, for checks and logs.
    pub fn families(&self) -> Vec<String> {
        let mut families: Vec<String> = self
            .fonts
            .iter()
            .map(|font| font.info().family.clone())
            .collect();
        families.dedup();
        families
    }

    /// Lays `template` out with `data` (given to it as `data.json`) and
    /// writes the PDF.
    pub fn render(
        &self,
        template: &str,
        data: &serde_json::Value,
        attachments: Vec<Attachment>,
        today: chrono::NaiveDate,
    ) -> Result<Vec<u8>, TemplateError> {
        self.lay_out(template, data, attachments, today)?.pdf()
    }

    /// The layout of `template` with `data`, before it is written.
    pub fn lay_out(
        &self,
        template: &str,
        data: &serde_json::Value,
        attachments: Vec<Attachment>,
        today: chrono::NaiveDate,
    ) -> Result<Laid<'_>, TemplateError> {
        let data = serde_json::to_vec(data).map_err(|error| TemplateError {
            problems: vec![format!("data: {error}")],
        })?;
        let world = Sheet {
            engine: self,
            main: Source::new(*MAIN, template.to_owned()),
            files: std::iter::once(("data.json".into(), data))
                .chain(
                    attachments
                        .into_iter()
                        .map(|attachment| (attachment.name, attachment.bytes)),
                )
                .map(|(name, bytes)| (file_id(&name), Bytes::new(bytes)))
                .collect(),
            today,
        };
        let compiled = typst::compile::<PagedDocument>(&world);
        let document = compiled
            .output
            .map_err(|errors| world.explain(errors.as_slice()))?;
        Ok(Laid { world, document })
    }
}

/// A laid-out document, ready to be written as PDF.
pub struct Laid<'a> {
    world: Sheet<'a>,
    document: PagedDocument,
}

impl Laid<'_> {
    /// The PDF, fonts embedded and subset.
    pub fn pdf(&self) -> Result<Vec<u8>, TemplateError> {
        let options = typst_pdf::PdfOptions {
            ident: typst::foundations::Smart::Custom("laissez".into()),
            creator: typst::foundations::Smart::Custom(Some("Laissez".into())),
            ..Default::default()
        };
        typst_pdf::pdf(&self.document, &options)
            .map_err(|errors| self.world.explain(errors.as_slice()))
    }
}

fn load_fonts(path: &Path, fonts: &mut Vec<Font>) -> Result<(), EngineError> {
    let failed = |reason: String| EngineError::Font {
        path: path.display().to_string(),
        reason,
    };
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|error| failed(error.to_string()))?
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .collect();
        entries.sort();
        for entry in entries {
            let font_file = entry.extension().is_some_and(|extension| {
                ["ttf", "otf", "ttc", "otc"]
                    .iter()
                    .any(|known| extension.eq_ignore_ascii_case(known))
            });
            if entry.is_dir() || font_file {
                load_fonts(&entry, fonts)?;
            }
        }
        return Ok(());
    }
    let bytes = std::fs::read(path).map_err(|error| failed(error.to_string()))?;
    let before = fonts.len();
    fonts.extend(Font::iter(Bytes::new(bytes)));
    if fonts.len() == before {
        return Err(failed("not a font file".into()));
    }
    Ok(())
}

/// One render's world: the template, its files, the shared fonts.
struct Sheet<'a> {
    engine: &'a Engine,
    main: Source,
    files: Vec<(FileId, Bytes)>,
    today: chrono::NaiveDate,
}

impl Sheet<'_> {
    fn explain(&self, diagnostics: &[SourceDiagnostic]) -> TemplateError {
        let problems = diagnostics
            .iter()
            .map(|diagnostic| {
                let line = diagnostic
                    .span
                    .id()
                    .filter(|id| *id == *MAIN)
                    .and_then(|_| self.range(diagnostic.span))
                    .and_then(|range| self.main.lines().byte_to_line(range.start))
                    .map(|line| format!("line {}: ", line + 1))
                    .unwrap_or_default();
                format!("{line}{}", diagnostic.message)
            })
            .collect();
        TemplateError { problems }
    }
}

impl World for Sheet<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.engine.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.engine.book
    }

    fn main(&self) -> FileId {
        *MAIN
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == *MAIN {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotSource)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files
            .iter()
            .find(|(file, _)| *file == id)
            .map(|(_, bytes)| bytes.clone())
            .ok_or_else(|| FileError::NotFound(id.get().vpath().get_with_slash().into()))
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.engine.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        use chrono::Datelike;
        Datetime::from_ymd(
            self.today.year(),
            u8::try_from(self.today.month()).ok()?,
            u8::try_from(self.today.day()).ok()?,
        )
    }
}

/// Keeps Typst's memo caches bounded in a long-running service.
pub fn trim_caches() {
    typst::comemo::evict(10);
}

pub type SharedEngine = Arc<Engine>;
