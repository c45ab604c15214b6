//! The portal's fixed texts, read from the Fluent files under the gateway's
//! `locales/<language>/` (one file per area of the portal, the same files
//! in every language). Agencies' own texts are not here: they come with
//! their catalogs.
//!
//! A page reads its texts through a typed table declared with [`texts!`]:
//! each field is one message, `<area>-<field>` in the files, loaded once
//! per language. A field declared `: phrase` is a message with variables,
//! formatted when it is used ([`Phrase::with`]). [`check`] loads every
//! table in every language, so a missing or broken text stops the gateway
//! when it starts rather than a page when it is shown.

use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

use crate::portal::shell::i18n::Lang;

/// The areas of the portal that have a file in each language, as
/// `(area, [zh-Hant, zh-Hans, en])`.
macro_rules! sources {
    ($($area:literal),* $(,)?) => {
        &[$(
            (
                $area,
                [
                    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/locales/zh-Hant/", $area, ".ftl")),
                    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/locales/zh-Hans/", $area, ".ftl")),
                    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/locales/en/", $area, ".ftl")),
                ],
            )
        ),*]
    };
}

pub(crate) const SOURCES: &[(&str, [&str; 3])] = sources![
    "portal",
    "nav",
    "staff-nav",
    "front-door",
    "verify",
    "registration",
    "account",
    "applicants",
    "addresses",
    "apply",
    "appointment",
    "cases-documents",
    "messages",
    "payments",
    "permit",
    "courier",
    "totp",
    "review-case",
    "review-actions",
    "review-group",
    "counter",
    "handover",
    "staff-appointments",
    "admin-desk",
    "admin-announcements",
    "admin-catalog",
    "admin-documents",
    "admin-reconciliation",
];

/// The language's position in [`SOURCES`]' arrays and in the tables.
pub(crate) fn index(lang: Lang) -> usize {
    match lang {
        Lang::ZhHant => 0,
        Lang::ZhHans => 1,
        Lang::En => 2,
    }
}

type Bundle = FluentBundle<FluentResource>;

/// One bundle per language, with every area's file.
static BUNDLES: LazyLock<[Bundle; 3]> = LazyLock::new(|| Lang::ALL.map(bundle));

fn bundle(lang: Lang) -> Bundle {
    let tag = lang.tag();
    let mut bundle = Bundle::new_concurrent(vec![
        tag.parse().expect("the portal's language tags are valid"),
    ]);
    // The texts go into HTML that sets its own direction; Unicode
    // isolation marks around variables would only show up in copies.
    bundle.set_use_isolating(false);
    for (area, files) in SOURCES {
        let resource =
            FluentResource::try_new(files[index(lang)].to_owned()).unwrap_or_else(|(_, errors)| {
                panic!("locales/{tag}/{area}.ftl does not parse: {errors:?}")
            });
        bundle
            .add_resource(resource)
            .unwrap_or_else(|errors| panic!("locales/{tag}/{area}.ftl: {errors:?}"));
    }
    bundle
}

/// The message `key` in `lang`; on a problem, what could be formatted
/// (empty for a missing message) and the problem.
fn format(lang: Lang, key: &str, args: Option<&FluentArgs>) -> Result<String, (String, String)> {
    let bundle = &BUNDLES[index(lang)];
    let Some(pattern) = bundle.get_message(key).and_then(|message| message.value()) else {
        return Err((String::new(), format!("no message {key} in {}", lang.tag())));
    };
    let mut errors = Vec::new();
    let text = bundle
        .format_pattern(pattern, args, &mut errors)
        .into_owned();
    if errors.is_empty() {
        Ok(text)
    } else {
        Err((text, format!("message {key} in {}: {errors:?}", lang.tag())))
    }
}

/// A message without variables, kept for the life of the process (tables
/// are built once per language).
pub fn text(lang: Lang, key: &str) -> &'static str {
    #[cfg(test)]
    tests::asked(key);
    let text = format(lang, key, None).unwrap_or_else(|(_, problem)| panic!("{problem}"));
    Box::leak(text.into_boxed_str())
}

/// A message with variables, formatted when it is used.
#[derive(Debug, Clone, Copy)]
pub struct Phrase {
    lang: Lang,
    key: &'static str,
}

impl Phrase {
    /// The phrase `key`, which must exist in `lang`.
    pub fn new(lang: Lang, key: &str) -> Phrase {
        #[cfg(test)]
        tests::asked(key);
        assert!(
            BUNDLES[index(lang)].has_message(key),
            "no message {key} in {}",
            lang.tag()
        );
        Phrase {
            lang,
            key: Box::leak(key.to_owned().into_boxed_str()),
        }
    }

    /// The phrase with its variables set. A variable the message names but
    /// `args` lacks shows as its name (and is logged) rather than failing
    /// the page; the tests make sure every variable is given.
    pub fn with<'a>(&self, args: impl IntoIterator<Item = (&'a str, FluentValue<'a>)>) -> String {
        let mut fluent = FluentArgs::new();
        for (name, value) in args {
            fluent.set(name, value);
        }
        format(self.lang, self.key, Some(&fluent)).unwrap_or_else(|(text, problem)| {
            tracing::error!(%problem, "a portal text was formatted without its variables");
            debug_assert!(false, "{problem}");
            text
        })
    }
}

/// Declares a table of fixed texts and the function that gives it in a
/// language: `texts! { pub struct Texts, fn texts, "area" { title, days:
/// phrase } }` reads `area-title` and `area-days` from the area's files.
macro_rules! texts {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident, fn $lookup:ident, $area:literal {
            $($(#[$field_meta:meta])* $field:ident $(: $kind:ident)?),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $($(#[$field_meta])* pub $field: $crate::portal::shell::locale::texts!(@type $($kind)?),)*
        }

        $vis fn $lookup(lang: $crate::portal::shell::i18n::Lang) -> &'static $name {
            static TABLES: ::std::sync::LazyLock<[$name; 3]> = ::std::sync::LazyLock::new(|| {
                $crate::portal::shell::i18n::Lang::ALL.map(|lang| $name {
                    $($field: $crate::portal::shell::locale::texts!(
                        @load lang,
                        &::std::format!("{}-{}", $area, stringify!($field).replace('_', "-"))
                        $(, $kind)?
                    ),)*
                })
            });
            &TABLES[$crate::portal::shell::locale::index(lang)]
        }
    };
    (@type) => { &'static str };
    (@type phrase) => { $crate::portal::shell::locale::Phrase };
    (@load $lang:expr, $key:expr) => { $crate::portal::shell::locale::text($lang, $key) };
    (@load $lang:expr, $key:expr, phrase) => { $crate::portal::shell::locale::Phrase::new($lang, $key) };
}

pub(crate) use texts;

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::sync::Mutex;

    use fluent_syntax::ast;

    use super::*;

    /// Every key a table has read, in any test of this process.
    static ASKED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

    pub(super) fn asked(key: &str) {
        ASKED.lock().unwrap().insert(key.to_owned());
    }

    /// The variables (`$name`) a pattern uses, at any depth.
    fn variables(pattern: &ast::Pattern<&str>, found: &mut BTreeSet<String>) {
        for element in &pattern.elements {
            if let ast::PatternElement::Placeable { expression } = element {
                expression_variables(expression, found);
            }
        }
    }

    fn expression_variables(expression: &ast::Expression<&str>, found: &mut BTreeSet<String>) {
        match expression {
            ast::Expression::Select { selector, variants } => {
                inline_variables(selector, found);
                for variant in variants {
                    variables(&variant.value, found);
                }
            }
            ast::Expression::Inline(inline) => inline_variables(inline, found),
        }
    }

    fn inline_variables(inline: &ast::InlineExpression<&str>, found: &mut BTreeSet<String>) {
        match inline {
            ast::InlineExpression::VariableReference { id } => {
                found.insert(id.name.to_owned());
            }
            ast::InlineExpression::Placeable { expression } => {
                expression_variables(expression, found);
            }
            _ => {}
        }
    }

    /// Every message of every file of `lang`, with the variables it uses.
    fn messages(lang: Lang) -> BTreeMap<String, BTreeSet<String>> {
        let mut found = BTreeMap::new();
        for (area, files) in SOURCES {
            let resource = fluent_syntax::parser::parse(files[index(lang)])
                .unwrap_or_else(|(_, errors)| panic!("{area} in {}: {errors:?}", lang.tag()));
            for entry in resource.body {
                if let ast::Entry::Message(message) = entry {
                    let name = message.id.name.to_owned();
                    assert!(
                        name.starts_with(&format!("{area}-")),
                        "{name} is in {area}.ftl but not named after it"
                    );
                    let mut used = BTreeSet::new();
                    if let Some(value) = &message.value {
                        variables(value, &mut used);
                    }
                    assert!(
                        found.insert(name.clone(), used).is_none(),
                        "{name} twice in {}",
                        lang.tag()
                    );
                }
            }
        }
        found
    }

    #[test]
    fn no_area_is_the_start_of_another_so_keys_cannot_collide() {
        for (area, _) in SOURCES {
            for (other, _) in SOURCES {
                assert!(
                    !other.starts_with(&format!("{area}-")),
                    "{other} starts with {area}-"
                );
            }
        }
    }

    #[test]
    fn every_message_is_in_every_language_with_the_same_variables() {
        let reference = messages(Lang::ZhHant);
        assert!(reference.len() > 800, "{} messages", reference.len());
        for lang in [Lang::ZhHans, Lang::En] {
            let other = messages(lang);
            let missing: Vec<_> = reference
                .keys()
                .filter(|key| !other.contains_key(*key))
                .collect();
            let extra: Vec<_> = other
                .keys()
                .filter(|key| !reference.contains_key(*key))
                .collect();
            assert!(missing.is_empty(), "missing in {}: {missing:?}", lang.tag());
            assert!(extra.is_empty(), "only in {}: {extra:?}", lang.tag());
            for (key, used) in &reference {
                assert_eq!(
                    used,
                    &other[key],
                    "the variables of {key} in {}",
                    lang.tag()
                );
            }
        }
    }

    #[test]
    fn every_file_under_locales_is_read_and_every_message_is_used() {
        for lang in Lang::ALL {
            let folder = format!("{}/locales/{}", env!("CARGO_MANIFEST_DIR"), lang.tag());
            let mut on_disk: Vec<String> = std::fs::read_dir(&folder)
                .unwrap()
                .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            on_disk.sort();
            let mut read: Vec<String> = SOURCES
                .iter()
                .map(|(area, _)| format!("{area}.ftl"))
                .collect();
            read.sort();
            assert_eq!(on_disk, read, "the files of {folder}");
        }
        crate::portal::load_texts();
        let asked = ASKED.lock().unwrap().clone();
        let unused: Vec<_> = messages(Lang::ZhHant)
            .into_keys()
            .filter(|key| !asked.contains(key))
            .collect();
        assert!(unused.is_empty(), "no table reads {unused:?}");
    }

    #[test]
    fn a_phrase_uses_every_variable_it_is_given() {
        for lang in Lang::ALL {
            for (key, used) in messages(lang) {
                if used.is_empty() {
                    continue;
                }
                let phrase = Phrase::new(lang, &key);
                let text = phrase.with(
                    used.iter()
                        .map(|name| (name.as_str(), FluentValue::from(7))),
                );
                assert!(text.contains('7'), "{key} in {}: {text}", lang.tag());
                assert!(!text.contains('$') && !text.contains('{'), "{key}: {text}");
            }
        }
        let days = Phrase::new(Lang::En, "permit-days");
        assert_eq!(days.with([("n", 90.into())]), "up to 90 days");
    }
}
