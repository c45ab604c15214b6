//! The tonic surface: each call hands its request to the use case and maps
//! the answer; the kit's auth layer has already verified any caller token.

use laissez_kit::{ServiceError, caller};
use laissez_proto::identity::v1::identity_service_server::IdentityService;
use laissez_proto::identity::v1::*;
use tonic::{Request, Response, Status};

use crate::service::Identity;

/// Calls the gateway makes without a caller token.
pub const PUBLIC_METHODS: [&str; 11] = [
    "/laissez.identity.v1.IdentityService/CreateCaptcha",
    "/laissez.identity.v1.IdentityService/Register",
    "/laissez.identity.v1.IdentityService/Activate",
    "/laissez.identity.v1.IdentityService/Login",
    "/laissez.identity.v1.IdentityService/RequestPasswordReset",
    "/laissez.identity.v1.IdentityService/ResetPassword",
    "/laissez.identity.v1.IdentityService/ExchangeSession",
    "/laissez.identity.v1.IdentityService/GetSigningKeys",
    "/laissez.identity.v1.IdentityService/RequestSmsCode",
    "/laissez.identity.v1.IdentityService/BeginTotpEnrolment",
    "/laissez.identity.v1.IdentityService/ConfirmTotpEnrolment",
];

#[derive(Clone)]
pub struct IdentityApi {
    identity: Identity,
}

impl IdentityApi {
    pub fn new(identity: Identity) -> Self {
        Self { identity }
    }

    /// Counts a sign-in or registration by agency (only agencies identity
    /// knows, so a caller cannot mint label values) and outcome.
    fn count<T>(&self, metric: &'static str, agency: &str, result: &Result<T, ServiceError>) {
        let agency = if self.identity.knows_agency(agency) {
            laissez_kit::metrics::agency_label(Some(agency))
        } else {
            "other".to_owned()
        };
        let outcome = match result {
            Ok(_) => "ok",
            Err(ServiceError::InvalidArgument(_)) => "invalid",
            Err(ServiceError::Unauthenticated(_)) => "refused",
            Err(ServiceError::ResourceExhausted(_)) => "throttled",
            Err(ServiceError::FailedPrecondition(_) | ServiceError::AlreadyExists(_)) => {
                "precondition"
            }
            Err(_) => "error",
        };
        metrics::counter!(metric, "agency" => agency, "outcome" => outcome).increment(1);
    }
}

fn answer<T>(result: Result<T, ServiceError>) -> Result<Response<T>, Status> {
    result.map(Response::new).map_err(Status::from)
}

/// The source address the gateway reported, else the peer's.
fn source_of<T>(request: &Request<T>, reported: &str) -> String {
    if reported.trim().is_empty() {
        request
            .remote_addr()
            .map(|addr| addr.ip().to_string())
            .unwrap_or_default()
    } else {
        reported.trim().to_owned()
    }
}

#[tonic::async_trait]
impl IdentityService for IdentityApi {
    async fn create_captcha(
        &self,
        request: Request<CreateCaptchaRequest>,
    ) -> Result<Response<CreateCaptchaResponse>, Status> {
        answer(self.identity.create_captcha(request.into_inner()).await)
    }

    async fn register(
        &self,
        request: Request<RegisterRequest>,
    ) -> Result<Response<RegisterResponse>, Status> {
        let request = request.into_inner();
        let agency = request.agency.clone();
        let result = self.identity.register(request).await;
        self.count("identity_registrations_total", &agency, &result);
        answer(result)
    }

    async fn activate(
        &self,
        request: Request<ActivateRequest>,
    ) -> Result<Response<ActivateResponse>, Status> {
        answer(self.identity.activate(request.into_inner()).await)
    }

    async fn login(
        &self,
        request: Request<LoginRequest>,
    ) -> Result<Response<LoginResponse>, Status> {
        let source = source_of(&request, &request.get_ref().source_ip);
        let mut login = request.into_inner();
        login.source_ip = source;
        let agency = login.agency.clone();
        let result = self.identity.login(login).await;
        self.count("identity_logins_total", &agency, &result);
        answer(result)
    }

    async fn request_password_reset(
        &self,
        request: Request<RequestPasswordResetRequest>,
    ) -> Result<Response<RequestPasswordResetResponse>, Status> {
        answer(
            self.identity
                .request_password_reset(request.into_inner())
                .await,
        )
    }

    async fn reset_password(
        &self,
        request: Request<ResetPasswordRequest>,
    ) -> Result<Response<ResetPasswordResponse>, Status> {
        answer(self.identity.reset_password(request.into_inner()).await)
    }

    async fn exchange_session(
        &self,
        request: Request<ExchangeSessionRequest>,
    ) -> Result<Response<ExchangeSessionResponse>, Status> {
        answer(self.identity.exchange_session(request.into_inner()).await)
    }

    async fn get_signing_keys(
        &self,
        request: Request<GetSigningKeysRequest>,
    ) -> Result<Response<GetSigningKeysResponse>, Status> {
        Ok(Response::new(
            self.identity.signing_keys(request.into_inner()),
        ))
    }

    async fn logout(
        &self,
        request: Request<LogoutRequest>,
    ) -> Result<Response<LogoutResponse>, Status> {
        let caller = caller(&request)?.clone();
        answer(self.identity.logout(&caller, request.into_inner()).await)
    }

    async fn list_sessions(
        &self,
        request: Request<ListSessionsRequest>,
    ) -> Result<Response<ListSessionsResponse>, Status> {
        let caller = caller(&request)?.clone();
        answer(self.identity.list_sessions(&caller).await)
    }

    async fn revoke_session(
        &self,
        request: Request<RevokeSessionRequest>,
    ) -> Result<Response<RevokeSessionResponse>, Status> {
        let caller = caller(&request)?.clone();
        answer(
            self.identity
                .revoke_session(&caller, request.into_inner())
                .await,
        )
    }

    async fn change_password(
        &self,
        request: Request<ChangePasswordRequest>,
    ) -> Result<Response<ChangePasswordResponse>, Status> {
        let caller = caller(&request)?.clone();
        answer(
            self.identity
                .change_password(&caller, request.into_inner())
                .await,
        )
    }

    async fn get_profile(
        &self,
        request: Request<GetProfileRequest>,
    ) -> Result<Response<Profile>, Status> {
        let caller = caller(&request)?.clone();
        answer(
            self.identity
                .get_profile(&caller, request.into_inner())
                .await,
        )
    }

    async fn update_profile(
        &self,
        request: Request<UpdateProfileRequest>,
    ) -> Result<Response<Profile>, Status> {
        let caller = caller(&request)?.clone();
        answer(
            self.identity
                .update_profile(&caller, request.into_inner())
                .await,
        )
    }

    async fn list_applicants(
        &self,
        request: Request<ListApplicantsRequest>,
    ) -> Result<Response<ListApplicantsResponse>, Status> {
        let caller = caller(&request)?.clone();
        answer(self.identity.list_applicants(&caller).await)
    }

    async fn create_applicant(
        &self,
        request: Request<CreateApplicantRequest>,
    ) -> Result<Response<Applicant>, Status> {
        let caller = caller(&request)?.clone();
        answer(
            self.identity
                .create_applicant(&caller, request.into_inner())
                .await,
        )
    }

    async fn update_applicant(
        &self,
        request: Request<UpdateApplicantRequest>,
    ) -> Result<Response<Applicant>, Status> {
        let caller = caller(&request)?.clone();
        answer(
            self.identity
                .update_applicant(&caller, request.into_inner())
                .await,
        )
    }

    async fn delete_applicant(
        &self,
        request: Request<DeleteApplicantRequest>,
    ) -> Result<Response<DeleteApplicantResponse>, Status> {
        let caller = caller(&request)?.clone();
        answer(
            self.identity
                .delete_applicant(&caller, request.into_inner())
                .await,
        )
    }

    async fn list_addresses(
        &self,
        request: Request<ListAddressesRequest>,
    ) -> Result<Response<ListAddressesResponse>, Status> {
        let caller = caller(&request)?.clone();
        answer(self.identity.list_addresses(&caller).await)
    }

    async fn create_address(
        &self,
        request: Request<CreateAddressRequest>,
    ) -> Result<Response<Address>, Status> {
        let caller = caller(&request)?.clone();
        answer(
            self.identity
                .create_address(&caller, request.into_inner())
                .await,
        )
    }

    async fn update_address(
        &self,
        request: Request<UpdateAddressRequest>,
    ) -> Result<Response<Address>, Status> {
        let caller = caller(&request)?.clone();
        answer(
            self.identity
                .update_address(&caller, request.into_inner())
                .await,
        )
    }

    async fn delete_address(
        &self,
        request: Request<DeleteAddressRequest>,
    ) -> Result<Response<DeleteAddressResponse>, Status> {
        let caller = caller(&request)?.clone();
        answer(
            self.identity
                .delete_address(&caller, request.into_inner())
                .await,
        )
    }

    async fn import_person_records(
        &self,
        request: Request<ImportPersonRecordsRequest>,
    ) -> Result<Response<ImportPersonRecordsResponse>, Status> {
        let caller = caller(&request)?.clone();
        answer(
            self.identity
                .import_person_records(&caller, request.into_inner())
                .await,
        )
    }

    async fn set_staff_roles(
        &self,
        request: Request<SetStaffRolesRequest>,
    ) -> Result<Response<SetStaffRolesResponse>, Status> {
        let caller = caller(&request)?.clone();
        answer(
            self.identity
                .set_staff_roles(&caller, request.into_inner())
                .await,
        )
    }

    async fn request_sms_code(
        &self,
        request: Request<RequestSmsCodeRequest>,
    ) -> Result<Response<RequestSmsCodeResponse>, Status> {
        let source = source_of(&request, &request.get_ref().source_ip);
        let mut inner = request.into_inner();
        inner.source_ip = source;
        answer(self.identity.request_sms_code(inner).await)
    }

    async fn begin_totp_enrolment(
        &self,
        request: Request<BeginTotpEnrolmentRequest>,
    ) -> Result<Response<BeginTotpEnrolmentResponse>, Status> {
        answer(
            self.identity
                .begin_totp_enrolment(request.into_inner())
                .await,
        )
    }

    async fn confirm_totp_enrolment(
        &self,
        request: Request<ConfirmTotpEnrolmentRequest>,
    ) -> Result<Response<ConfirmTotpEnrolmentResponse>, Status> {
        answer(
            self.identity
                .confirm_totp_enrolment(request.into_inner())
                .await,
        )
    }

    async fn get_applicant(
        &self,
        request: Request<GetApplicantRequest>,
    ) -> Result<Response<Applicant>, Status> {
        let caller = caller(&request)?.clone();
        answer(
            self.identity
                .get_applicant(&caller, request.into_inner())
                .await,
        )
    }

    async fn create_staff_account(
        &self,
        request: Request<CreateStaffAccountRequest>,
    ) -> Result<Response<CreateStaffAccountResponse>, Status> {
        let caller = caller(&request)?.clone();
        answer(
            self.identity
                .create_staff_account(&caller, request.into_inner())
                .await,
        )
    }

    async fn disable_account(
        &self,
        request: Request<DisableAccountRequest>,
    ) -> Result<Response<DisableAccountResponse>, Status> {
        let caller = caller(&request)?.clone();
        answer(
            self.identity
                .disable_account(&caller, request.into_inner())
                .await,
        )
    }
}
