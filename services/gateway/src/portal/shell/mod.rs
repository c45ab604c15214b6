//! What every portal page shares: the language, the page frame and its
//! header, the error pages and the refusals that lead to them, the site
//! (agency and portal) a page belongs to, and the translations.

pub mod error;
pub mod guest;
pub mod i18n;
pub mod locale;
pub mod page;
pub mod problems;
pub mod request;
pub mod site;
pub mod view;
