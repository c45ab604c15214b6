//! Caller authentication for gRPC services: a tower layer that verifies the
//! internal token in `authorization: Bearer …` and hands handlers a typed
//! [`Caller`]. Agency and roles come only from the verified token.

mod keys;
mod layer;
pub mod token;

use serde::{Deserialize, Serialize};

pub use keys::{KeyFetcher, spawn_key_refresh};
pub use layer::{AuthLayer, AuthService};
pub use token::{Claims, KeySet, TokenError, TokenSigner};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Applicant,
    Reviewer,
    SeniorReviewer,
    AgencyAdmin,
    /// The counter (cashier) of a service centre: finds cases and serves
    /// the applicants who come in.
    Counter,
    /// Platform-wide and read-only on cases.
    PlatformOperator,
}

impl Role {
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Applicant)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Applicant => "applicant",
            Role::Reviewer => "reviewer",
            Role::SeniorReviewer => "senior_reviewer",
            Role::AgencyAdmin => "agency_admin",
            Role::Counter => "counter",
            Role::PlatformOperator => "platform_operator",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        [
            Role::Applicant,
            Role::Reviewer,
            Role::SeniorReviewer,
            Role::AgencyAdmin,
            Role::Counter,
            Role::PlatformOperator,
        ]
        .into_iter()
        .find(|role| role.as_str() == text)
    }
}

/// Who is calling, as the verified token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub account_id: String,
    pub agency: String,
    pub portal: String,
    pub roles: Vec<Role>,
    pub session_id: String,
    pub expires_at: i64,
    /// The token itself, to call other services on the caller's behalf.
    pub token: String,
}

impl Caller {
    pub(crate) fn from_claims(claims: Claims, token: String) -> Self {
        Self {
            account_id: claims.sub,
            agency: claims.agency,
            portal: claims.portal,
            roles: claims.roles,
            session_id: claims.sid,
            expires_at: claims.exp,
            token,
        }
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// PermissionDenied unless the caller holds one of `roles`.
    pub fn require_any_role(&self, roles: &[Role]) -> Result<(), tonic::Status> {
        if roles.iter().any(|role| self.has_role(*role)) {
            Ok(())
        } else {
            Err(tonic::Status::permission_denied(
                "the caller's role does not allow this call",
            ))
        }
    }

    /// The agency the caller acts for, checked; `None` for a caller who
    /// acts for none (a platform operator's token names no agency).
    pub fn agency_code(&self) -> Option<crate::AgencyCode> {
        self.agency.parse().ok()
    }

    /// PermissionDenied unless the caller acts for `agency`. Platform
    /// operators pass (their write access is limited by role checks).
    pub fn require_agency(&self, agency: &str) -> Result<(), tonic::Status> {
        if self.agency == agency || self.has_role(Role::PlatformOperator) {
            Ok(())
        } else {
            Err(tonic::Status::permission_denied(
                "the caller does not act for this agency",
            ))
        }
    }

    /// The one account whose rows the caller sees: an applicant's own;
    /// `None` for staff, who see their agency's.
    pub fn own_account(&self) -> Option<String> {
        (!self.roles.iter().any(|role| role.is_staff())).then(|| self.account_id.clone())
    }

    /// The `authorization` value to forward on calls made for this caller.
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.token)
    }
}

/// The verified caller of a request; Unauthenticated when there is none
/// (a public method called without a token).
pub fn caller<T>(request: &tonic::Request<T>) -> Result<&Caller, tonic::Status> {
    request
        .extensions()
        .get::<Caller>()
        .ok_or_else(|| tonic::Status::unauthenticated("a signed-in caller is required"))
}

/// Signing keys and token minting for tests of services built on the kit.
#[cfg(any(test, feature = "testing"))]
pub mod testing {
    use super::*;

    /// Clones share the key pair, so two in-process services can verify the
    /// same tokens.
    #[derive(Clone)]
    pub struct TestKeys {
        pub signer: TokenSigner,
        pub keys: KeySet,
    }

    impl Default for TestKeys {
        fn default() -> Self {
            Self::new()
        }
    }

    impl TestKeys {
        pub fn new() -> Self {
            let signer = TokenSigner::generate(format!("test-{}", uuid::Uuid::new_v4()));
            let keys = KeySet::new();
            // A freshly generated key is always a valid Ed25519 point.
            let _ = keys.insert(signer.key_id(), &signer.public_key());
            Self { signer, keys }
        }

        /// A valid two-minute token.
        pub fn token(&self, account: &str, agency: &str, portal: &str, roles: &[Role]) -> String {
            let now = chrono::Utc::now().timestamp();
            self.token_at(account, agency, portal, roles, now, now + 120)
        }

        /// `message` as a request carrying a token for `account` of
        /// `agency` with `role` (portal `test`).
        pub fn request<T>(
            &self,
            message: T,
            account: &str,
            agency: &str,
            role: Role,
        ) -> tonic::Request<T> {
            let mut request = tonic::Request::new(message);
            let token = self.token(account, agency, "test", &[role]);
            if let Ok(value) = format!("Bearer {token}").parse() {
                request.metadata_mut().insert("authorization", value);
            }
            request
        }

        pub fn token_at(
            &self,
            account: &str,
            agency: &str,
            portal: &str,
            roles: &[Role],
            issued_at: i64,
            expires_at: i64,
        ) -> String {
            self.signer.sign(&Claims {
                iss: token::ISSUER.into(),
                aud: token::AUDIENCE.into(),
                sub: account.into(),
                agency: agency.into(),
                portal: portal.into(),
                roles: roles.to_vec(),
                sid: format!("session-{account}"),
                iat: issued_at,
                exp: expires_at,
                jti: uuid::Uuid::new_v4().to_string(),
            })
        }
    }
}
