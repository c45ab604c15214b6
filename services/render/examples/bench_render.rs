//! tw-nia electronic permits per second on one core, p50/p99 per permit
//! and the PDF's size, against WeasyPrint laying the same permit out from
//! HTML in the same run. Each Laissez permit is the whole of what the
//! service does per document but storage: its data, a signed seal, the QR
//! code, the Typst layout and the PDF with subset CJK fonts.
//!
//!   services/render/bench/render.sh      (installs WeasyPrint, runs this)
//!
//! Arguments: `--permits N` (default 400), `--weasyprint PYTHON` (a Python
//! with WeasyPrint; without it only Laissez's figures are printed),
//! `--weasyprint-permits N` (default 10).

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use laissez_catalog::format::DocumentKind;
use laissez_render::engine::{DEFAULT_FONTS, Engine};
use laissez_render::produce::{Renderer, compose, template_data};
use laissez_render::sample::{self, HOLDER};
use laissez_render::seal::KeyRing;
use uuid::Uuid;

fn argument(name: &str) -> Option<String> {
    let mut arguments = std::env::args();
    while let Some(argument) = arguments.next() {
        if argument == name {
            return arguments.next();
        }
    }
    None
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn main() -> anyhow::Result<()> {
    let permits: usize = argument("--permits")
        .and_then(|n| n.parse().ok())
        .unwrap_or(400);
    let weasy_permits: usize = argument("--weasyprint-permits")
        .and_then(|n| n.parse().ok())
        .unwrap_or(10);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let catalog = Arc::new(
        laissez_catalog::load_dir(&root.join("deploy/agencies/tw-nia"))
            .map_err(|errors| anyhow::anyhow!("{errors}"))?,
    );
    let template = catalog
        .document(DocumentKind::EPermit, "multi_entry_permit")
        .ok_or_else(|| anyhow::anyhow!("tw-nia issues no permit"))?
        .clone();
    let keys = tempfile::tempdir()?;
    let fonts: Vec<PathBuf> = DEFAULT_FONTS.iter().map(PathBuf::from).collect();
    let started = Instant::now();
    let renderer = Renderer {
        engine: Arc::new(Engine::load(&fonts)?),
        keys: Arc::new(KeyRing::new(keys.path(), true)),
        blobs: Arc::new(laissez_kit::blob::FilesystemBlobStore::new(
            keys.path().join("blobs"),
        )),
    };
    println!(
        "fonts loaded once at start: {:.0} ms",
        millis(started.elapsed())
    );
    let mut answers = sample::answers(&catalog, "multi_entry_permit");
    answers.insert("chinese_name".into(), "鄭明".into());
    answers.insert("english_name".into(), "ZHENG MING".into());
    answers.insert(
        "taiwan_address".into(),
        "臺北市大安區羅斯福路四段1號".into(),
    );
    answers.insert("school".into(), "國立臺北科技大學".into());
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).expect("a date");
    let job_for = |index: usize| {
        let mut event = sample::issued(
            &Uuid::now_v7().to_string(),
            "multi_entry_permit",
            1,
            &answers,
            &HOLDER,
        );
        event.permit_number = format!("1086952{index:05}");
        laissez_render::jobs::e_permit("tw-nia", &event, &catalog)
    };

    // Warm up (first use of the key, Typst's caches), then measure.
    for index in 0..20 {
        compose(
            &renderer,
            &catalog,
            &template,
            &job_for(index)?,
            Uuid::now_v7(),
            today,
        )?;
    }
    let mut times = Vec::with_capacity(permits);
    let mut size = 0;
    let all = Instant::now();
    for index in 0..permits {
        let job = job_for(index)?;
        let started = Instant::now();
        let composed = compose(&renderer, &catalog, &template, &job, Uuid::now_v7(), today)?;
        times.push(started.elapsed());
        size = composed.pdf.len();
        if index % 50 == 0 {
            laissez_render::engine::trim_caches();
        }
    }
    let total = all.elapsed();
    times.sort();
    let laissez_rate = permits as f64 / total.as_secs_f64();
    let laissez_p50 = percentile(&times, 0.5);
    println!(
        "laissez (Typst): {permits} permits in {:.2} s on one core: {laissez_rate:.1} permits/s, p50 {:.2} ms, p99 {:.2} ms, PDF {:.1} KB",
        total.as_secs_f64(),
        millis(laissez_p50),
        millis(percentile(&times, 0.99)),
        size as f64 / 1024.0
    );
    phases(&renderer, &catalog, &template, &job_for(0)?, today)?;

    let Some(python) = argument("--weasyprint") else {
        println!("weasyprint: not run (pass --weasyprint PYTHON; bench/render.sh does)");
        return Ok(());
    };
    // The same permit as HTML: the same data, fields, notes and 20 boxes.
    let job = job_for(0)?;
    let data = template_data(
        &job,
        &catalog,
        &template,
        Uuid::now_v7(),
        "{\"seal\":\"sample\"}",
        today,
    );
    let qr =
        laissez_render::produce::qr_svg("{\"seal\":\"sample\"}").map_err(anyhow::Error::msg)?;
    let folder = tempfile::tempdir()?;
    let html = folder.path().join("permit.html");
    std::fs::write(folder.path().join("seal.svg"), qr)?;
    std::fs::write(&html, permit_html(&data))?;
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("bench/weasyprint_permit.py");
    let output = Command::new(&python)
        .arg(&script)
        .arg(&html)
        .arg(weasy_permits.to_string())
        .output()?;
    anyhow::ensure!(
        output.status.success(),
        "weasyprint failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    let mut weasy: Vec<Duration> = report["seconds"]
        .as_array()
        .map(|times| {
            times
                .iter()
                .filter_map(serde_json::Value::as_f64)
                .map(Duration::from_secs_f64)
                .collect()
        })
        .unwrap_or_default();
    weasy.sort();
    anyhow::ensure!(!weasy.is_empty(), "weasyprint reported no times");
    let weasy_total: f64 = weasy.iter().map(Duration::as_secs_f64).sum();
    let weasy_rate = weasy.len() as f64 / weasy_total;
    println!(
        "weasyprint {}: {} permits: {weasy_rate:.1} permits/s, p50 {:.1} ms, p99 {:.1} ms, PDF {:.1} KB",
        report["version"].as_str().unwrap_or("?"),
        weasy.len(),
        millis(percentile(&weasy, 0.5)),
        millis(percentile(&weasy, 0.99)),
        report["bytes"].as_f64().unwrap_or(0.0) / 1024.0
    );
    println!(
        "ratio laissez ÷ weasyprint: {:.1}× permits/s (target ≥ 20×); laissez p50 {:.2} ms (target < 10 ms); PDF {:.1} KB (target < 150 KB)",
        laissez_rate / weasy_rate,
        millis(laissez_p50),
        size as f64 / 1024.0
    );
    Ok(())
}

/// Where a permit's time goes: the seal's signature, its QR code, the
/// layout and the PDF (fonts subset), each the median of 100.
fn phases(
    renderer: &Renderer,
    catalog: &laissez_catalog::Catalog,
    template: &laissez_catalog::format::DocumentTemplate,
    job: &laissez_render::jobs::Job,
    today: chrono::NaiveDate,
) -> anyhow::Result<()> {
    use laissez_render::engine::Attachment;
    use laissez_render::seal::{Header, SealData};
    let median = |mut times: Vec<Duration>| {
        times.sort();
        millis(percentile(&times, 0.5))
    };
    let (mut sign, mut qr, mut layout, mut pdf) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut encode = Vec::new();
    for _ in 0..100 {
        let id = Uuid::now_v7();
        let started = Instant::now();
        let mut message = job.sealed.clone();
        message.did = id.to_string();
        let seal = renderer.keys.sign(SealData {
            hdr: Header {
                t: "laissez.e_permit".into(),
                v: 1,
                is: "tw-nia".into(),
            },
            msg: message,
        })?;
        let text = laissez_render::seal::seal_text(&seal);
        let data = template_data(job, catalog, template, id, &text, today);
        sign.push(started.elapsed());
        let started = Instant::now();
        fast_qr::QRBuilder::new(text.as_bytes())
            .ecl(fast_qr::ECL::M)
            .build()
            .map_err(|error| anyhow::anyhow!("{error}"))?;
        encode.push(started.elapsed());
        let started = Instant::now();
        let svg = laissez_render::produce::qr_svg(&text).map_err(anyhow::Error::msg)?;
        qr.push(started.elapsed());
        let started = Instant::now();
        let laid = renderer.engine.lay_out(
            &template.source,
            &data,
            vec![Attachment {
                name: "seal.svg".into(),
                bytes: svg,
            }],
            today,
        )?;
        layout.push(started.elapsed());
        let started = Instant::now();
        laid.pdf()?;
        pdf.push(started.elapsed());
    }
    println!(
        "  where a permit's time goes (medians): data and seal signature {:.2} ms, QR code {:.2} ms (of which encoding {:.2} ms), Typst layout {:.2} ms, PDF export with font subsetting {:.2} ms",
        median(sign),
        median(qr),
        median(encode),
        median(layout),
        median(pdf)
    );
    Ok(())
}

fn text(value: &serde_json::Value, path: &[&str]) -> String {
    let mut value = value;
    for key in path {
        value = &value[*key];
    }
    let text = match value {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn choice(data: &serde_json::Value, code: &str) -> String {
    let label = &data["labels"][code];
    if label.is_object() {
        format!("{} {}", text(label, &["zh-Hant"]), text(label, &["en"]))
    } else {
        text(data, &["answers", code])
    }
}

/// The permit of `deploy/agencies/tw-nia/documents/e_permit.typ` as HTML.
fn permit_html(data: &serde_json::Value) -> String {
    let cell = |zh: &str, en: &str, value: String| {
        format!("<td><small>{zh} {en}</small><br><b>{value}</b></td>")
    };
    let boxes: String = (1..=20)
        .map(|n| {
            format!(
                "<div class=box><small>{n} 出境查驗 Exit Inspection</small><hr><small>{n} 入境查驗 Entry Inspection</small></div>"
            )
        })
        .collect();
    let name = format!(
        "{} {}",
        text(data, &["answers", "chinese_name"]),
        text(data, &["answers", "english_name"])
    );
    format!(
        r#"<!doctype html><html lang="zh-Hant"><head><meta charset="utf-8"><style>
@page {{ size: A4; margin: 1.2cm }}
body {{ font-family: "Noto Sans CJK TC", "HanaMinB"; font-size: 8.5pt }}
table {{ width: 100%; border-collapse: collapse }} td {{ border: 0.5pt solid #777; padding: 3pt; width: 33% }}
td b {{ font-size: 10pt }} small {{ font-size: 7pt; color: #5a5a5a }}
.head {{ display: flex; justify-content: space-between }} .head img {{ width: 2.6cm }}
.grid {{ display: grid; grid-template-columns: repeat(4, 1fr); gap: 3pt }}
.box {{ border: 0.5pt solid #777; height: 2.1cm; padding: 3pt }} .box hr {{ margin-top: 0.7cm }}
</style></head><body>
<div class=head><div><b style="font-size:13pt">中華民國臺灣地區入出境許可證</b><br>EXIT &amp; ENTRY PERMIT TAIWAN REPUBLIC OF CHINA<br>許可證號 Permit No. <b>{number}</b></div><img src="seal.svg"></div>
<table><tr>{type_}{issued}{expiry}</tr><tr>{purpose}<td colspan=2><small>姓名 Name</small><br><b>{name}</b></td></tr>
<tr>{passport}{id}{dob}</tr><tr>{sex}{place}{stay}</tr><tr>{entries}<td colspan=2><small>在臺地址 Address in Taiwan</small><br><b>{address}</b></td></tr></table>
<p><b>注意事項：</b></p><ol><li>本證記載如有錯誤，請即申請更正。</li><li>持證人除依規定經核准延期者外，應於許可在臺停留期限屆滿前離境。逾期居留者，依法得強制出境，並影響居留或再入境權益。</li></ol>
<p><small>PLEASE TAKE NOTICE: 1. PLEASE APPLY FOR CORRECTION, IN CASE OF ANY ERROR IN THIS PERMIT. 2. THE HOLDER OF THIS PERMIT MUST DEPART TAIWAN BEFORE THE EXPIRATION DATE, UNLESS AN EXTENSION HAS BEEN GRANTED. OVERSTAYERS WILL BE DEPORTED AND DENIED THE PRIVILEGE OF RESIDENCE OR REENTRY.</small></p>
<p><b>附記 Notes</b></p><ul><li>本證提供持證人於走人工查驗台出境或入境時，加蓋入(出)境查驗章戳使用。入出境查驗格不敷使用時，請於本證有效期限前，於內政部移民署學生線上申辦系統自行下載列印。</li><li>免備回程機(船)票；入境不須填繳入國登記表。</li><li>學校名稱：{school}</li></ul>
<div class=grid>{boxes}</div></body></html>"#,
        number = text(data, &["permit", "number"]),
        type_ = cell(
            "許可證類別",
            "Permit Type",
            text(data, &["case", "type_name"])
        ),
        issued = cell(
            "發證日期",
            "Date of Issue",
            text(data, &["permit", "issued_on"])
        ),
        expiry = cell(
            "有效期限",
            "Date of Expiry",
            text(data, &["permit", "valid_until"])
        ),
        purpose = cell("事由", "Purpose", "陸生就學 Study".into()),
        passport = cell(
            "護照號碼(大陸居民往來臺灣通行證)",
            "Passport No.",
            text(data, &["holder", "document_number"])
        ),
        id = cell(
            "身分證號",
            "ID No.",
            text(data, &["answers", "mainland_id_number"])
        ),
        dob = cell(
            "出生日期",
            "Date of Birth",
            text(data, &["holder", "date_of_birth"])
        ),
        sex = cell("性別", "Gender", choice(data, "sex")),
        place = cell("出生地", "Place of Birth", choice(data, "place_of_birth")),
        stay = cell(
            "許可停留期限",
            "Duration of Stay",
            text(data, &["permit", "valid_until"])
        ),
        entries = cell(
            "入出境次數",
            "Entries",
            match text(data, &["permit", "entries"]).as_str() {
                "single" => "單次 Single",
                "double" => "二次 Double",
                "multiple" => "多次 Multiple",
                _ => "—",
            }
            .into()
        ),
        address = text(data, &["answers", "taiwan_address"]),
        school = text(data, &["answers", "school"]),
    )
}
