//! The platform's front door (`/`): every agency on the platform, each with
//! its applicant portals (sign in, register) and its staff sign-in, in the
//! visitor's language. The list comes from intake (agencies with a
//! published catalog) and each agency's names from its current catalog,
//! so a new agency appears here as soon as its catalog is published.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use laissez_proto::intake::v1::ListAgenciesRequest;
use maud::html;

use crate::core::Core;
use crate::core::catalogs::CatalogError;
use crate::portal::shell::i18n::Text;
use crate::portal::shell::locale::texts;
use crate::portal::shell::page::{Language, page, unavailable};
use crate::portal::shell::site::STAFF_PORTAL;
use crate::portal::shell::view::{self, Frame};

texts! {
    pub struct Texts, fn texts, "front-door" {
        title,
        lead,
        sign_in,
        register,
        staff_sign_in,
        none,
        api,
    }
}

/// One agency as the front door lists it.
struct Listed {
    code: String,
    name: Text,
    /// Applicant portals: code and name.
    portals: Vec<(String, Text)>,
}

fn listed(code: &str, catalog: &serde_json::Value) -> Listed {
    let name = Text::from_json(&catalog["agency"]["name"]);
    let portals = catalog["portals"]
        .as_array()
        .map(|portals| {
            portals
                .iter()
                .filter(|portal| portal["staff"].as_bool() != Some(true))
                .filter_map(|portal| {
                    Some((
                        portal["code"].as_str()?.to_owned(),
                        Text::from_json(&portal["name"]),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    Listed {
        code: code.to_owned(),
        name,
        portals,
    }
}

pub async fn front_door(State(core): State<Core>, uri: Uri, headers: HeaderMap) -> Response {
    let language = Language::of(&uri, &headers);
    let answer = core
        .upstreams
        .catalog_admin()
        .list_agencies(core.upstreams.request(ListAgenciesRequest {}, None))
        .await;
    let codes = match answer {
        Ok(answer) => answer.into_inner().agencies,
        Err(status) => {
            tracing::warn!(code = ?status.code(), "the agencies could not be listed");
            return unavailable(language, &uri, None);
        }
    };
    let mut agencies = Vec::with_capacity(codes.len());
    for code in &codes {
        match core.catalogs.current(code).await {
            Ok(catalog) => agencies.push(listed(code, &catalog)),
            Err(CatalogError::NotFound) => {}
            Err(CatalogError::Unavailable) => return unavailable(language, &uri, None),
        }
    }
    let lang = language.lang;
    let text = texts(lang);
    let query = crate::portal::shell::page::lang_suffix(&uri);
    let content = html! {
        p.lead { (text.lead) }
        @if agencies.is_empty() {
            p { (text.none) }
        }
        ul.agency-list {
            @for agency in &agencies {
                li.agency-card {
                    h2 { (agency.name.get(lang)) }
                    ul.portal-list {
                        @for (portal, name) in &agency.portals {
                            li {
                                h3 { (name.get(lang)) }
                                p.actions {
                                    a.button href=(format!("/portal/{}/{portal}/login{query}", agency.code)) { (text.sign_in) }
                                    " "
                                    a href=(format!("/portal/{}/{portal}/register{query}", agency.code)) { (text.register) }
                                }
                            }
                        }
                    }
                    p.staff-link {
                        a href=(format!("/portal/{}/{STAFF_PORTAL}/login{query}", agency.code)) { (text.staff_sign_in) }
                    }
                }
            }
        }
        p.api-link { a href="/api/v1/openapi.json" { (text.api) } }
    };
    let frame = Frame {
        lang,
        uri: &uri,
        site: None,
        title: text.title,
    };
    page(
        language,
        StatusCode::OK,
        view::layout(&frame, html! {}, content),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portal::shell::i18n::Lang;

    #[test]
    fn an_agency_lists_its_applicant_portals_and_not_its_staff_portal() {
        let catalog = serde_json::json!({
            "agency": {"code": "tw-nia", "name": {"zh-Hant": "內政部移民署", "zh-Hans": "内政部移民署", "en": "NIA"}},
            "portals": [
                {"code": "students", "name": {"en": "Students"}},
                {"code": "staff", "staff": true, "name": {"en": "Staff"}}
            ]
        });
        let agency = listed("tw-nia", &catalog);
        assert_eq!(agency.name.get(Lang::En), "NIA");
        assert_eq!(agency.portals.len(), 1);
        assert_eq!(agency.portals[0].0, "students");
    }

    #[test]
    fn every_language_has_its_texts() {
        for lang in Lang::ALL {
            let text = texts(lang);
            assert!(!text.title.is_empty() && !text.staff_sign_in.is_empty());
        }
    }
}
