//! Every document of every demo agency, laid out from its catalog template
//! and read back as a person or a border officer would: the PDF opens, its
//! text (CJK included) is extractable, its QR code decodes to the seal and
//! the seal verifies. A PNG of each lands under the test artifacts.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use laissez_catalog::Catalog;
use laissez_catalog::format::DocumentKind;
use laissez_render::engine::{DEFAULT_FONTS, Engine};
use laissez_render::produce::{Renderer, compose};
use laissez_render::sample::{self, Holder};
use laissez_render::seal::{self, KeyRing};
use uuid::Uuid;

const AGENCIES: [&str; 5] = ["fj-exit-entry", "hk-cts", "mo-csm", "mo-cts", "tw-nia"];

fn agency_dir(code: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../deploy/agencies")
        .join(code)
}

fn artifacts() -> PathBuf {
    let root = std::env::var_os("LAISSEZ_TEST_ARTIFACTS")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let exe = std::env::current_exe().expect("the test binary's path");
            exe.ancestors()
                .nth(3)
                .expect("the test binary lives under <target>/<profile>/deps")
                .join("test-artifacts")
        });
    let dir = root.join("render");
    std::fs::create_dir_all(&dir).expect("the artifacts folder");
    dir
}

fn run(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("{program} runs (./deploy/dev.sh installs it): {error}"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn renderer(keys: &Path) -> Renderer {
    let fonts: Vec<PathBuf> = DEFAULT_FONTS.iter().map(PathBuf::from).collect();
    Renderer {
        engine: Arc::new(Engine::load(&fonts).expect("the fonts load")),
        keys: Arc::new(KeyRing::new(keys, true)),
        blobs: Arc::new(laissez_kit::blob::FilesystemBlobStore::new(
            keys.join("blobs"),
        )),
    }
}

fn squeeze(text: &str) -> String {
    text.chars()
        .filter(|character| !character.is_whitespace())
        .collect()
}

/// Writes the PDF and its first page as PNG; returns the page's text and
/// the QR codes found on it.
fn read_back(dir: &Path, name: &str, pdf: &[u8]) -> (String, Vec<String>) {
    let pdf_path = dir.join(format!("{name}.pdf"));
    std::fs::write(&pdf_path, pdf).expect("the PDF is written");
    let pdf_path = pdf_path.to_string_lossy().into_owned();
    let info = run("pdfinfo", &[&pdf_path]);
    assert!(info.contains("Pages:"), "{info}");
    let fonts = run("pdffonts", &[&pdf_path]);
    assert!(
        fonts.contains("NotoSansCJK"),
        "Noto CJK is embedded:\n{fonts}"
    );
    for line in fonts.lines().skip(2) {
        let columns: Vec<&str> = line.split_whitespace().collect();
        // emb and sub columns: every font embedded and subset.
        assert!(
            columns.iter().filter(|column| **column == "yes").count() >= 2,
            "font not embedded and subset: {line}"
        );
    }
    let text = run("pdftotext", &["-layout", &pdf_path, "-"]);
    let png_base = dir.join(name).to_string_lossy().into_owned();
    run(
        "pdftoppm",
        &["-r", "300", "-png", "-singlefile", &pdf_path, &png_base],
    );
    let png = format!("{png_base}.png");
    let decoded = Command::new("zbarimg")
        .args(["--raw", "-q", "-Sdisable", "-Sqrcode.enable", &png])
        .output()
        .expect("zbarimg runs (./deploy/dev.sh installs zbar-tools)");
    let codes = String::from_utf8_lossy(&decoded.stdout)
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(str::to_owned)
        .collect();
    (text, codes)
}

/// The Code 39 barcodes on the page `read_back` wrote as PNG, sorted.
fn code39s(dir: &Path, name: &str) -> Vec<String> {
    let png = dir
        .join(format!("{name}.png"))
        .to_string_lossy()
        .into_owned();
    let decoded = Command::new("zbarimg")
        .args(["--raw", "-q", "-Sdisable", "-Scode39.enable", &png])
        .output()
        .expect("zbarimg runs (./deploy/dev.sh installs zbar-tools)");
    let mut codes: Vec<String> = String::from_utf8_lossy(&decoded.stdout)
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(str::to_owned)
        .collect();
    codes.sort();
    codes
}

fn catalog(code: &str) -> Arc<Catalog> {
    Arc::new(laissez_catalog::load_dir(&agency_dir(code)).expect("the demo agency loads"))
}

#[test]
fn every_document_of_every_agency_reads_back_with_its_text_codes_and_seal() {
    let keys = tempfile::tempdir().expect("a key folder");
    let renderer = renderer(keys.path());
    let dir = artifacts();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).expect("a date");
    let mut rendered = 0;
    for code in AGENCIES {
        let catalog = catalog(code);
        assert!(!catalog.documents.is_empty(), "{code} issues documents");
        for template in &catalog.documents {
            let job = sample::job(&catalog, template).expect("a sample job");
            let id = Uuid::now_v7();
            let composed = compose(&renderer, &catalog, template, &job, id, today)
                .unwrap_or_else(|error| panic!("{code} {}: {error}", template.template));
            let name = format!("{code}-{}", template.kind.as_str());
            let (text, codes) = read_back(&dir, &name, &composed.pdf);
            let flat = squeeze(&text);
            assert!(
                flat.contains(&squeeze(catalog.agency.name.zh_hant.as_str()))
                    || flat.contains(&squeeze(&catalog.agency.name.zh_hans))
                    || template.kind == DocumentKind::EPermit,
                "{name}: agency name in\n{text}"
            );
            assert!(
                flat.contains(&job.number),
                "{name}: number {} in\n{text}",
                job.number
            );
            match template.kind {
                DocumentKind::Acknowledgement => {
                    assert!(
                        flat.contains("1130000123") && flat.contains("G1130000045"),
                        "{name}:\n{text}"
                    );
                    assert!(flat.contains("鄭**"), "{name}: masked name in\n{text}");
                }
                DocumentKind::EPermit => {
                    for expected in [
                        "108695200100",
                        "T12345678",
                        "2028-07-01",
                        // The entries the type's rules grant.
                        "多次",
                        "出境查驗",
                        "20入境查驗",
                    ] {
                        assert!(flat.contains(expected), "{name}: {expected} in\n{text}");
                    }
                }
                DocumentKind::Receipt => {
                    assert!(
                        flat.contains("規費") && flat.contains("600"),
                        "{name}:\n{text}"
                    );
                }
                DocumentKind::PaymentSlip => {
                    for expected in [
                        "IUYXMH03G5ONKOPV",
                        "2019-07-09",
                        "鄭**",
                        "證照費",
                        "1,008",
                        "第一聯",
                        "第二聯",
                        "1130000123",
                        "G1130000045",
                    ] {
                        assert!(flat.contains(expected), "{name}: {expected} in\n{text}");
                    }
                    let mut expected: Vec<String> = job.parts["slip"]["barcodes"]
                        .as_array()
                        .expect("the slip's barcodes")
                        .iter()
                        .map(|value| value.as_str().unwrap_or_default().to_owned())
                        .collect();
                    expected.sort();
                    assert_eq!(expected.len(), 3);
                    assert_eq!(
                        code39s(&dir, &name),
                        expected,
                        "{name}: the three Code 39 barcodes scan to the payment service's values"
                    );
                }
                DocumentKind::PickupSlip => {
                    let centre = &catalog.centres[0];
                    for expected in [
                        "1130000123",
                        "2026-06-12",
                        "鄭**",
                        &squeeze(&centre.name.zh_hant),
                        "09:00",
                    ] {
                        assert!(flat.contains(expected), "{name}: {expected} in\n{text}");
                    }
                }
                DocumentKind::AppointmentLetter => {
                    let centre = &catalog.centres[0];
                    for expected in [
                        "2026-05-29",
                        "09:30",
                        "鄭**",
                        "1130000123",
                        &squeeze(&centre.name.zh_hant),
                        &squeeze(&centre.address.zh_hant),
                    ] {
                        assert!(flat.contains(expected), "{name}: {expected} in\n{text}");
                    }
                }
            }
            if template.sealed {
                assert_eq!(
                    codes,
                    vec![composed.seal_text.clone()],
                    "{name}: the QR code holds the seal"
                );
                let data = seal::verify_with(&codes[0], |agency, kid| {
                    renderer.keys.verifying_key(agency, kid)
                })
                .unwrap_or_else(|error| panic!("{name}: {error}"));
                assert_eq!(data.msg.did, id.to_string());
                assert_eq!(data.hdr.is, code);
                assert_eq!(data.msg.no, job.number);
            } else {
                assert!(codes.is_empty(), "{name}: no seal, no QR code: {codes:?}");
            }
            let size = composed.pdf.len();
            assert!(size < 150 * 1024, "{name}: {size} bytes");
            rendered += 1;
        }
    }
    assert_eq!(
        rendered, 12,
        "five acknowledgements, tw-nia's permit, receipt and payment slip, hk-cts's and mo-csm's appointment letters, mo-csm's pickup slip and mo-cts's pickup card"
    );
}

#[test]
fn names_outside_the_bmp_and_very_long_names_are_printed_whole() {
    let keys = tempfile::tempdir().expect("a key folder");
    let renderer = renderer(keys.path());
    let catalog = catalog("tw-nia");
    let template = catalog
        .document(DocumentKind::EPermit, "multi_entry_permit")
        .expect("tw-nia's permit")
        .clone();
    let long_english =
        "ZHENG ALEXANDRIA-MAXIMILIANA KONSTANTINOPOULOU-WOLFESCHLEGELSTEINHAUSENBERGER THE THIRD";
    let mut answers = sample::answers(&catalog, "multi_entry_permit");
    answers.insert("chinese_name".into(), "鄭𠀀𠀁明".into());
    answers.insert("english_name".into(), long_english.into());
    let holder = Holder {
        name: "鄭𠀀𠀁明",
        date_of_birth: "1995-03-14",
        document_number: "T12345678",
    };
    let event = sample::issued(
        &Uuid::now_v7().to_string(),
        "multi_entry_permit",
        1,
        &answers,
        &holder,
    );
    let job = laissez_render::jobs::e_permit("tw-nia", &event, &catalog).expect("a job");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).expect("a date");
    let composed =
        compose(&renderer, &catalog, &template, &job, Uuid::now_v7(), today).expect("it lays out");
    let (text, codes) = read_back(&artifacts(), "tw-nia-e_permit-long-name", &composed.pdf);
    let flat = squeeze(&text);
    assert!(
        flat.contains("鄭𠀀𠀁明"),
        "the name outside the BMP is text, not tofu:\n{text}"
    );
    assert!(
        flat.contains(&squeeze(long_english)),
        "the long name wraps, whole:\n{text}"
    );
    let fonts = run(
        "pdffonts",
        &[&artifacts()
            .join("tw-nia-e_permit-long-name.pdf")
            .to_string_lossy()],
    );
    assert!(fonts.contains("HanaMinB"), "HanaMin supplies 𠀀:\n{fonts}");
    let data = seal::verify_with(&codes[0], |agency, kid| {
        renderer.keys.verifying_key(agency, kid)
    })
    .expect("the seal verifies");
    assert_eq!(data.msg.nam, "鄭𠀀𠀁明");
}

#[test]
fn a_template_that_does_not_lay_out_is_refused_with_its_line() {
    let fonts: Vec<PathBuf> = DEFAULT_FONTS.iter().map(PathBuf::from).collect();
    let engine = Engine::load(&fonts).expect("the fonts load");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).expect("a date");
    let data = serde_json::json!({"case": {"receipt_number": "1"}});
    let error = engine
        .render(
            "#let data = json(\"data.json\")\n= Title\n#image(\"logo.png\")\n",
            &data,
            Vec::new(),
            today,
        )
        .expect_err("a missing image is an error");
    assert!(
        error
            .problems
            .iter()
            .any(|problem| problem.starts_with("line 3:")),
        "{error}"
    );
    let error = engine
        .render(
            "#let data = json(\"data.json\")\n#(1 + \"a\")\n",
            &data,
            Vec::new(),
            today,
        )
        .expect_err("a type error is an error");
    assert!(
        error
            .problems
            .iter()
            .any(|problem| problem.starts_with("line 2:")),
        "{error}"
    );
    assert!(Engine::load(&[PathBuf::from("/nonexistent/font.ttf")]).is_err());
}

#[test]
fn the_check_tool_lays_out_every_demo_agency_and_names_a_broken_template() {
    let binary = env!("CARGO_BIN_EXE_laissez-render");
    let folders: Vec<String> = AGENCIES
        .iter()
        .map(|code| agency_dir(code).to_string_lossy().into_owned())
        .collect();
    let output = Command::new(binary)
        .arg("check")
        .args(&folders)
        .output()
        .expect("the tool runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let broken = tempfile::tempdir().expect("a folder");
    copy_dir(&agency_dir("hk-cts"), broken.path());
    let template = broken.path().join("documents/acknowledgement.typ");
    let text = std::fs::read_to_string(&template).expect("the template");
    std::fs::write(&template, format!("{text}\n#image(\"missing.png\")\n")).expect("written");
    let line = text.lines().count() + 2;
    let output = Command::new(binary)
        .args(["check", &broken.path().to_string_lossy()])
        .output()
        .expect("the tool runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("documents/acknowledgement.typ: line {line}:")),
        "{stderr}"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a folder");
    for entry in std::fs::read_dir(from).expect("a folder").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copied");
        }
    }
}
