//! The route table of the JSON API: which HTTP method and path call which
//! gRPC method, who may call it, where its input comes from and whether it
//! creates something (and so takes an `Idempotency-Key`). The transcoding
//! handler, the OpenAPI document and the tests all read this one table.

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (sign-in, registration, public catalog data).
    Public,
    /// A session token that need not pass the exchange (staff enrolling a
    /// second factor): it is handed to identity inside the request.
    SessionToken,
    /// A signed-in caller; the service checks agency and roles.
    SignedIn,
}

/// Where the request message comes from, besides path parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// Query parameters (GET, DELETE).
    Query,
    /// The JSON body is the whole request message.
    Body,
    /// The JSON body is this field of the request message (the rest comes
    /// from the path).
    BodyField(&'static str),
}

/// How the route is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Unary,
    /// Client streaming: the raw request body becomes data chunks.
    Upload,
    /// Server streaming: data chunks become the raw response body.
    Download,
}

/// Gateway work around the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hook {
    None,
    /// `source_ip` and `user_agent` come from the connection.
    Login,
    /// `source_ip` comes from the connection.
    SourceIp,
    /// `session_token` is the presented session.
    SessionTokenField,
    /// `applicant` is filled from identity (see `api::applicant`).
    StartApplication,
    /// The session is forgotten (and its cookie cleared) after the call.
    Logout,
    /// `language`, when the client names none, is the one its
    /// `Accept-Language` asks for (the account's messages follow it).
    Registration,
}

impl Hook {
    /// Fields the gateway sets; a client that sends them is refused.
    pub fn gateway_fields(self) -> &'static [&'static str] {
        match self {
            Hook::Login => &["source_ip", "user_agent"],
            Hook::SourceIp => &["source_ip"],
            Hook::SessionTokenField => &["session_token"],
            Hook::None | Hook::StartApplication | Hook::Logout | Hook::Registration => &[],
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    pub method: &'static str,
    /// Under `/api/v1`, with `{name}` path parameters.
    pub path: &'static str,
    /// `package.Service/Method`.
    pub rpc: &'static str,
    pub access: Access,
    pub input: Input,
    pub kind: Kind,
    pub hook: Hook,
    /// Creates something: answers 201 and honours `Idempotency-Key`.
    pub creates: bool,
    pub summary: &'static str,
}

impl RouteSpec {
    const fn new(
        method: &'static str,
        path: &'static str,
        rpc: &'static str,
        access: Access,
        summary: &'static str,
    ) -> Self {
        let input = match method.as_bytes() {
            b"GET" | b"DELETE" => Input::Query,
            _ => Input::Body,
        };
        Self {
            method,
            path,
            rpc,
            access,
            input,
            kind: Kind::Unary,
            hook: Hook::None,
            creates: false,
            summary,
        }
    }

    const fn body_field(mut self, field: &'static str) -> Self {
        self.input = Input::BodyField(field);
        self
    }

    const fn creates(mut self) -> Self {
        self.creates = true;
        self
    }

    const fn hook(mut self, hook: Hook) -> Self {
        self.hook = hook;
        self
    }

    const fn kind(mut self, kind: Kind) -> Self {
        self.kind = kind;
        self
    }

    /// The gRPC service's full name and the method's name.
    pub fn service_and_method(&self) -> (&'static str, &'static str) {
        self.rpc.split_once('/').unwrap_or((self.rpc, ""))
    }

    /// Public POSTs are sign-in, registration and code requests: they
    /// count against the stricter sign-in rate limit too.
    pub fn is_sign_in_family(&self) -> bool {
        self.access != Access::SignedIn && self.method != "GET"
    }

    /// Names of the `{param}`s of the path, in order.
    pub fn path_params(&self) -> Vec<&'static str> {
        self.path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
            .collect()
    }
}

use Access::{Public, SessionToken, SignedIn};

macro_rules! rpc {
    ($service:literal, $method:literal) => {
        concat!("laissez.", $service, "/", $method)
    };
}

/// Every route of `/api/v1`.
pub const ROUTES: &[RouteSpec] = &[
    // --- identity: before sign-in -------------------------------------
    RouteSpec::new("POST", "/agencies/{agency}/portals/{portal}/captchas",
        rpc!("identity.v1.IdentityService", "CreateCaptcha"), Public,
        "A captcha for the sign-in form (PNG, base64), bound to a pre-login session; send the pre-session back for \"another one\"."),
    RouteSpec::new("POST", "/agencies/{agency}/portals/{portal}/registrations",
        rpc!("identity.v1.IdentityService", "Register"), Public,
        "Register an account on a portal; the answer is the same whether or not the account existed. Without `language`, the account's messages take the language `Accept-Language` asks for (the agency's default when it names none of the three); the account changes it later with `PATCH /account/profile`.")
        .creates()
        .hook(Hook::Registration),
    RouteSpec::new("POST", "/agencies/{agency}/portals/{portal}/activations",
        rpc!("identity.v1.IdentityService", "Activate"), Public,
        "Activate an account with the emailed token or the SMS code."),
    RouteSpec::new("POST", "/agencies/{agency}/portals/{portal}/sessions",
        rpc!("identity.v1.IdentityService", "Login"), Public,
        "Sign in (captcha where the portal asks for one); answers the session token to send as `Authorization: Bearer`.")
        .hook(Hook::Login),
    RouteSpec::new("POST", "/agencies/{agency}/portals/{portal}/password-reset-requests",
        rpc!("identity.v1.IdentityService", "RequestPasswordReset"), Public,
        "Email a single-use password reset link."),
    RouteSpec::new("POST", "/password-resets",
        rpc!("identity.v1.IdentityService", "ResetPassword"), Public,
        "Set a new password with the token of a reset link."),
    RouteSpec::new("POST", "/agencies/{agency}/portals/{portal}/sms-codes",
        rpc!("identity.v1.IdentityService", "RequestSmsCode"), Public,
        "Send an SMS code to a mobile number (registration on SMS portals).")
        .hook(Hook::SourceIp),
    RouteSpec::new("POST", "/staff/totp-enrolment",
        rpc!("identity.v1.IdentityService", "BeginTotpEnrolment"), SessionToken,
        "Staff: start enrolling an authenticator app (a session that has not passed a second factor).")
        .hook(Hook::SessionTokenField),
    RouteSpec::new("POST", "/staff/totp-enrolment/confirmation",
        rpc!("identity.v1.IdentityService", "ConfirmTotpEnrolment"), SessionToken,
        "Staff: confirm the authenticator app with a first code.")
        .hook(Hook::SessionTokenField),
    // --- identity: the signed-in account --------------------------------
    RouteSpec::new("POST", "/session/logout",
        rpc!("identity.v1.IdentityService", "Logout"), SignedIn,
        "Sign out this session, or every session of the account (`everywhere`).")
        .hook(Hook::Logout),
    RouteSpec::new("GET", "/sessions",
        rpc!("identity.v1.IdentityService", "ListSessions"), SignedIn,
        "The account's sessions."),
    RouteSpec::new("DELETE", "/sessions/{session_id}",
        rpc!("identity.v1.IdentityService", "RevokeSession"), SignedIn,
        "End one of the account's sessions."),
    RouteSpec::new("POST", "/account/password",
        rpc!("identity.v1.IdentityService", "ChangePassword"), SignedIn,
        "Change the password (other sessions end)."),
    RouteSpec::new("GET", "/account/profile",
        rpc!("identity.v1.IdentityService", "GetProfile"), SignedIn,
        "The account's profile."),
    RouteSpec::new("PATCH", "/account/profile",
        rpc!("identity.v1.IdentityService", "UpdateProfile"), SignedIn,
        "Change profile fields and the preferred language."),
    RouteSpec::new("GET", "/applicants",
        rpc!("identity.v1.IdentityService", "ListApplicants"), SignedIn,
        "The people the account applies for (names masked)."),
    RouteSpec::new("POST", "/applicants",
        rpc!("identity.v1.IdentityService", "CreateApplicant"), SignedIn,
        "Add a person the account applies for.")
        .body_field("applicant").creates(),
    RouteSpec::new("GET", "/applicants/{applicant_id}",
        rpc!("identity.v1.IdentityService", "GetApplicant"), SignedIn,
        "One managed applicant, unmasked."),
    RouteSpec::new("PUT", "/applicants/{applicant_id}",
        rpc!("identity.v1.IdentityService", "UpdateApplicant"), SignedIn,
        "Change a managed applicant.")
        .body_field("applicant"),
    RouteSpec::new("DELETE", "/applicants/{applicant_id}",
        rpc!("identity.v1.IdentityService", "DeleteApplicant"), SignedIn,
        "Remove a managed applicant."),
    RouteSpec::new("GET", "/addresses",
        rpc!("identity.v1.IdentityService", "ListAddresses"), SignedIn,
        "The account's saved delivery addresses, the default first."),
    RouteSpec::new("POST", "/addresses",
        rpc!("identity.v1.IdentityService", "CreateAddress"), SignedIn,
        "Save a delivery address (`recipient`, `phone`, `address`; the first saved, or one with `is_default`, is the default).")
        .body_field("address").creates(),
    RouteSpec::new("PUT", "/addresses/{address_id}",
        rpc!("identity.v1.IdentityService", "UpdateAddress"), SignedIn,
        "Change a saved address, or make it the default.")
        .body_field("address"),
    RouteSpec::new("DELETE", "/addresses/{address_id}",
        rpc!("identity.v1.IdentityService", "DeleteAddress"), SignedIn,
        "Remove a saved address (the newest remaining one becomes the default)."),
    // --- identity: agency administration --------------------------------
    RouteSpec::new("POST", "/admin/person-records",
        rpc!("identity.v1.IdentityService", "ImportPersonRecords"), SignedIn,
        "Agency administrator: import the records registrations are matched against.")
        .creates(),
    RouteSpec::new("POST", "/admin/staff",
        rpc!("identity.v1.IdentityService", "CreateStaffAccount"), SignedIn,
        "Agency administrator: create a staff account.")
        .creates(),
    RouteSpec::new("PUT", "/admin/staff/{account_id}/roles",
        rpc!("identity.v1.IdentityService", "SetStaffRoles"), SignedIn,
        "Agency administrator: set a staff account's roles."),
    RouteSpec::new("POST", "/admin/accounts/{account_id}/disable",
        rpc!("identity.v1.IdentityService", "DisableAccount"), SignedIn,
        "Agency administrator: disable an account and end all its sessions."),
    // --- intake: applications -------------------------------------------
    RouteSpec::new("POST", "/cases",
        rpc!("intake.v1.IntakeService", "StartApplication"), SignedIn,
        "Start an application (notice accepted, permit number where the type asks for one). The applicant's data comes from the account or the managed applicant named by `applicant_id`.")
        .hook(Hook::StartApplication).creates(),
    RouteSpec::new("GET", "/cases",
        rpc!("intake.v1.IntakeService", "ListCases"), SignedIn,
        "The progress query: the caller's cases (staff: the agency's), filtered and paged."),
    RouteSpec::new("GET", "/cases/{case_id}",
        rpc!("intake.v1.IntakeService", "GetCase"), SignedIn,
        "One case with its documents, returns and history."),
    RouteSpec::new("PUT", "/cases/{case_id}/draft",
        rpc!("intake.v1.IntakeService", "SaveDraft"), SignedIn,
        "Save the form answers of a draft (or of a case returned for correction)."),
    RouteSpec::new("POST", "/cases/{case_id}/documents",
        rpc!("intake.v1.IntakeService", "UploadDocument"), SignedIn,
        "Upload a document: the raw file is the body; `requirement`, `file_name` and optionally `replaces_document_id` are query parameters. When `requirement` is a photo or signature field of the form, the upload also answers that field with the new document's id (while the answers may change: a draft or a return for correction).")
        .kind(Kind::Upload).creates(),
    RouteSpec::new("GET", "/cases/{case_id}/documents/{document_id}",
        rpc!("intake.v1.IntakeService", "DownloadDocument"), SignedIn,
        "Download a document (the applicant's own, or staff of the agency).")
        .kind(Kind::Download),
    RouteSpec::new("DELETE", "/cases/{case_id}/documents/{document_id}",
        rpc!("intake.v1.IntakeService", "DeleteDocument"), SignedIn,
        "Remove a document from a draft."),
    RouteSpec::new("POST", "/submissions",
        rpc!("intake.v1.IntakeService", "Submit"), SignedIn,
        "Submit one or more drafts together (one group number, a receipt number each).")
        .creates(),
    RouteSpec::new("POST", "/cases/{case_id}/resubmission",
        rpc!("intake.v1.IntakeService", "Resubmit"), SignedIn,
        "Send a returned case back with an optional reply.")
        .creates(),
    RouteSpec::new("POST", "/cases/{case_id}/withdrawal",
        rpc!("intake.v1.IntakeService", "Withdraw"), SignedIn,
        "Withdraw a case (`confirmed` must be true)."),
    RouteSpec::new("POST", "/cases/{case_id}/cancellation",
        rpc!("intake.v1.IntakeService", "CancelCase"), SignedIn,
        "Cancel an approved case before it is paid or made (the applicant where the type allows it; senior reviewers and agency administrators for any), with a `reason`; its open order is released."),
    RouteSpec::new("GET", "/dashboard",
        rpc!("intake.v1.IntakeService", "GetDashboard"), SignedIn,
        "The applicant's dashboard: notice board and cases by type and section."),
    RouteSpec::new("POST", "/counter/cases/{case_id}/production",
        rpc!("intake.v1.IntakeService", "CompleteProduction"), SignedIn,
        "Counter or agency: production of an approved case is done (optionally with the number printed on the document); the workflow's next stage begins."),
    RouteSpec::new("POST", "/counter/cases/{case_id}/collection",
        rpc!("intake.v1.IntakeService", "RecordCollection"), SignedIn,
        "Counter: the document was handed over, to the holder (their document number) or a proxy (name, ID number, relationship, pickup card)."),
    RouteSpec::new("POST", "/counter/cases/{case_id}/dispatch",
        rpc!("intake.v1.IntakeService", "RecordDispatch"), SignedIn,
        "Counter: a document the applicant chose to have sent was handed to the courier, with its `tracking_number`."),
    RouteSpec::new("POST", "/counter/cases/{case_id}/delivery",
        rpc!("intake.v1.IntakeService", "RecordDelivery"), SignedIn,
        "Counter: the courier delivered the document; the case ends."),
    RouteSpec::new("POST", "/admin/permit-records",
        rpc!("intake.v1.IntakeService", "ImportPermitRecords"), SignedIn,
        "Agency administrator: import the permit records applications are checked against.")
        .creates(),
    // --- intake: appointments -------------------------------------------
    RouteSpec::new("GET", "/appointments/centres/{centre}/slots",
        rpc!("intake.v1.AppointmentService", "SearchSlots"), SignedIn,
        "Open slots of a service centre between `from_date` and `to_date` (the agency's dates, at most 62 days), with the places left; `only_free` leaves out full ones."),
    RouteSpec::new("POST", "/cases/{case_id}/appointment/holds",
        rpc!("intake.v1.AppointmentService", "HoldSlot"), SignedIn,
        "Hold a place in a slot (`centre`, `starts_at`) for the case while the applicant confirms (the agency's hold time, 10 minutes by default); an earlier hold of the case is released. Refused with `starts_at: slot_full | slot_closed | slot_past | no_slot`.")
        .creates(),
    RouteSpec::new("POST", "/cases/{case_id}/appointment",
        rpc!("intake.v1.AppointmentService", "BookAppointment"), SignedIn,
        "Book: confirm the case's hold (`hold_id`), or book a slot (`centre`, `starts_at`) at once. A case waiting for its appointment moves on.")
        .creates(),
    RouteSpec::new("PUT", "/cases/{case_id}/appointment",
        rpc!("intake.v1.AppointmentService", "RescheduleAppointment"), SignedIn,
        "Move the case's booking to another slot in one step (never two bookings, never none)."),
    RouteSpec::new("DELETE", "/cases/{case_id}/appointment",
        rpc!("intake.v1.AppointmentService", "CancelAppointment"), SignedIn,
        "Cancel the case's hold or booking; its place is free at once."),
    RouteSpec::new("GET", "/cases/{case_id}/appointment",
        rpc!("intake.v1.AppointmentService", "GetAppointment"), SignedIn,
        "The case's current hold or booking, else its latest one."),
    RouteSpec::new("GET", "/appointments",
        rpc!("intake.v1.AppointmentService", "ListMyAppointments"), SignedIn,
        "Applicants: their bookings that have not started yet, soonest first."),
    RouteSpec::new("GET", "/counter/appointments",
        rpc!("intake.v1.AppointmentService", "ListDayBookings"), SignedIn,
        "Staff: one centre's bookings on one day (`centre`, `date`), in time order, with the applicants' names."),
    RouteSpec::new("POST", "/counter/cases/{case_id}/attendance",
        rpc!("intake.v1.AppointmentService", "RecordAttendance"), SignedIn,
        "Counter: the applicant came (`attended`: the workflow's next stage follows) or did not (the case books again)."),
    RouteSpec::new("POST", "/admin/closures",
        rpc!("intake.v1.AppointmentService", "DeclareClosure"), SignedIn,
        "Agency administrator: close one centre (or all, without `centre`) from `starts_on` to `ends_on` with a `reason`; bookings inside move by the agency's rule, each applicant told once.")
        .creates(),
    RouteSpec::new("GET", "/admin/closures",
        rpc!("intake.v1.AppointmentService", "ListClosures"), SignedIn,
        "Staff: the agency's closures, latest first, with how many bookings each moved or cancelled."),
    // --- intake: catalogs and announcements -----------------------------
    RouteSpec::new("GET", "/agencies",
        rpc!("intake.v1.CatalogAdminService", "ListAgencies"), Public,
        "The agencies on this platform (those with a published catalog)."),
    RouteSpec::new("GET", "/agencies/{agency}/catalog",
        rpc!("intake.v1.CatalogAdminService", "GetCurrentCatalog"), Public,
        "The catalog an agency uses now."),
    RouteSpec::new("GET", "/agencies/{agency}/announcements",
        rpc!("intake.v1.CatalogAdminService", "ListAnnouncements"), Public,
        "An agency's notice board."),
    RouteSpec::new("POST", "/admin/catalog/validation",
        rpc!("intake.v1.CatalogAdminService", "ValidateCatalog"), SignedIn,
        "Agency administrator: validate catalog files without publishing them."),
    RouteSpec::new("POST", "/admin/catalog/versions",
        rpc!("intake.v1.CatalogAdminService", "PublishCatalog"), SignedIn,
        "Agency administrator: validate and publish catalog files as the next version.")
        .creates(),
    RouteSpec::new("GET", "/admin/catalog/versions",
        rpc!("intake.v1.CatalogAdminService", "ListCatalogVersions"), SignedIn,
        "Staff: the agency's catalog versions."),
    RouteSpec::new("GET", "/admin/catalog/versions/{version}",
        rpc!("intake.v1.CatalogAdminService", "GetCatalogVersion"), SignedIn,
        "Staff: one catalog version."),
    RouteSpec::new("POST", "/admin/announcements",
        rpc!("intake.v1.CatalogAdminService", "CreateAnnouncement"), SignedIn,
        "Agency administrator: publish an announcement.")
        .body_field("announcement").creates(),
    RouteSpec::new("PUT", "/admin/announcements/{announcement_id}",
        rpc!("intake.v1.CatalogAdminService", "UpdateAnnouncement"), SignedIn,
        "Agency administrator: change an announcement.")
        .body_field("announcement"),
    RouteSpec::new("DELETE", "/admin/announcements/{announcement_id}",
        rpc!("intake.v1.CatalogAdminService", "DeleteAnnouncement"), SignedIn,
        "Agency administrator: remove an announcement."),
    // --- review -------------------------------------------------------------
    RouteSpec::new("GET", "/review/queues",
        rpc!("review.v1.ReviewService", "GetQueueSummary"), SignedIn,
        "Reviewer: queues by type and lane with depth and the oldest case."),
    RouteSpec::new("POST", "/review/claims",
        rpc!("review.v1.ReviewService", "ClaimNext"), SignedIn,
        "Reviewer: claim the next case of a type.")
        .creates(),
    RouteSpec::new("DELETE", "/review/claims/{case_id}",
        rpc!("review.v1.ReviewService", "ReleaseClaim"), SignedIn,
        "Reviewer: give a claimed case back to its queue."),
    RouteSpec::new("POST", "/review/cases/{case_id}/reassignment",
        rpc!("review.v1.ReviewService", "Reassign"), SignedIn,
        "Senior reviewer: hand a case to another reviewer."),
    RouteSpec::new("POST", "/review/assignments",
        rpc!("review.v1.ReviewService", "BulkAssign"), SignedIn,
        "Senior reviewer: assign several cases to a reviewer."),
    RouteSpec::new("GET", "/review/cases/{case_id}",
        rpc!("review.v1.ReviewService", "GetReviewCase"), SignedIn,
        "Reviewer: the case view (submission, history, due date)."),
    RouteSpec::new("POST", "/review/cases/{case_id}/decision",
        rpc!("review.v1.ReviewService", "Decide"), SignedIn,
        "Reviewer: decide a claimed case, with a comment.")
        .creates(),
    RouteSpec::new("POST", "/review/groups/{group_number}/decision",
        rpc!("review.v1.ReviewService", "DecideGroup"), SignedIn,
        "Reviewer: decide every case of a group at once.")
        .creates(),
    RouteSpec::new("POST", "/review/cases/{case_id}/sign-off",
        rpc!("review.v1.ReviewService", "SignOff"), SignedIn,
        "Senior reviewer: sign a decision off (or send it back).")
        .creates(),
    RouteSpec::new("POST", "/review/cases/{case_id}/priority-request",
        rpc!("review.v1.ReviewService", "RequestPriority"), SignedIn,
        "Ask for a case to move to the priority lane, with evidence.")
        .creates(),
    RouteSpec::new("POST", "/review/cases/{case_id}/priority-resolution",
        rpc!("review.v1.ReviewService", "ResolvePriority"), SignedIn,
        "Senior reviewer: accept or refuse a priority request."),
    RouteSpec::new("GET", "/review/audit",
        rpc!("review.v1.ReviewService", "ListAudit"), SignedIn,
        "The agency's audit trail (optionally one case's), oldest first."),
    RouteSpec::new("GET", "/review/audit/verification",
        rpc!("review.v1.ReviewService", "VerifyAuditChain"), SignedIn,
        "Agency administrator: check the audit hash chain."),
    // --- notify -------------------------------------------------------------
    RouteSpec::new("GET", "/messages",
        rpc!("notify.v1.NotifyService", "ListMessages"), SignedIn,
        "The message centre, newest first."),
    RouteSpec::new("GET", "/messages/unread-count",
        rpc!("notify.v1.NotifyService", "GetUnreadCount"), SignedIn,
        "How many messages are unread."),
    RouteSpec::new("POST", "/messages/read",
        rpc!("notify.v1.NotifyService", "MarkRead"), SignedIn,
        "Mark messages (or all) read."),
    RouteSpec::new("GET", "/admin/deliveries",
        rpc!("notify.v1.NotifyService", "ListDeliveries"), SignedIn,
        "Staff: email and SMS deliveries and their status."),

    // --- payment ------------------------------------------------------------
    RouteSpec::new("GET", "/payment/orders",
        rpc!("payment.v1.PaymentService", "ListOrders"), SignedIn,
        "The caller's orders (staff: the agency's); filter by state, group number, receipt number and payment dates (the receipts list)."),
    RouteSpec::new("GET", "/payment/orders/{order_id}",
        rpc!("payment.v1.PaymentService", "GetOrder"), SignedIn,
        "One order: its lines, total, methods and state."),
    RouteSpec::new("POST", "/payment/quotes",
        rpc!("payment.v1.PaymentService", "QuoteFee"), SignedIn,
        "What paying these orders with this method costs, line by line, before anything is charged."),
    RouteSpec::new("POST", "/payments",
        rpc!("payment.v1.PaymentService", "StartPayment"), SignedIn,
        "Applicant: pay one or several orders with one method; answers where to go next (hosted page, transfer account or slip).")
        .creates(),
    RouteSpec::new("GET", "/payments/{payment_id}",
        rpc!("payment.v1.PaymentService", "GetPayment"), SignedIn,
        "A payment and its state (the result page)."),
    RouteSpec::new("GET", "/counter/orders",
        rpc!("payment.v1.PaymentService", "FindOrders"), SignedIn,
        "Counter: the orders of the case with this receipt number."),
    RouteSpec::new("POST", "/payment/orders/{order_id}/counter-payments",
        rpc!("payment.v1.PaymentService", "RecordCounterPayment"), SignedIn,
        "Counter: money taken at the counter, with the cashier's receipt number.")
        .creates(),
    RouteSpec::new("POST", "/payment/orders/{order_id}/refunds",
        rpc!("payment.v1.PaymentService", "Refund"), SignedIn,
        "Agency administrator: refund an order, whole or in part, with a reason.")
        .creates(),
    RouteSpec::new("POST", "/payment/reconciliations",
        rpc!("payment.v1.PaymentService", "Reconcile"), SignedIn,
        "Agency administrator: a provider's settlement file of one day against the ledger (missing, extra and mismatched entries); running a day again replaces its result.")
        .creates(),
    RouteSpec::new("GET", "/payment/reconciliations",
        rpc!("payment.v1.PaymentService", "ListReconciliations"), SignedIn,
        "Agency administrator: the reconciliations run, newest day first."),

    // --- render -------------------------------------------------------------
    RouteSpec::new("GET", "/documents",
        rpc!("render.v1.RenderService", "ListDocuments"), SignedIn,
        "The caller's issued documents (acknowledgements, electronic permits, receipts; staff: the agency's), newest first; filter by group number, receipt number, payment dates, case and kind; `language` names the file names' language."),
    RouteSpec::new("GET", "/documents/{document_id}",
        rpc!("render.v1.RenderService", "DownloadRendered"), SignedIn,
        "Download an issued document's PDF, the same bytes every time; `Content-Disposition` names it in `language` (the account's when not given). Anyone else's answers 404.")
        .kind(Kind::Download),
    RouteSpec::new("POST", "/documents/{document_id}/revocations",
        rpc!("render.v1.RenderService", "RevokeDocument"), SignedIn,
        "Agency administrator or senior reviewer: revoke a document with a reason; its seal then verifies as revoked."),
    RouteSpec::new("POST", "/documents/{document_id}/renders",
        rpc!("render.v1.RenderService", "RerenderDocument"), SignedIn,
        "Agency administrator: lay a document out again with the agency's current templates (after a template change), as a new version with a new seal and a reason; the old version is kept."),
    RouteSpec::new("POST", "/verify/seals",
        rpc!("render.v1.RenderService", "VerifySeal"), Public,
        "Anyone: check a seal (the text of a document's QR code): valid, invalid (with why) or revoked, with the data as signed."),
    RouteSpec::new("GET", "/verify/documents/{sha256}",
        rpc!("render.v1.RenderService", "VerifyDocument"), Public,
        "Anyone: whether a PDF with this SHA-256 is one the platform issued, and whether it is revoked."),
    RouteSpec::new("GET", "/verify/keys",
        rpc!("render.v1.RenderService", "ListSealKeys"), Public,
        "Anyone: every agency's seal public keys (PEM), for verifying seals offline."),
];

/// Methods deliberately not exposed: the gateway's own plumbing.
pub const INTERNAL_ONLY: &[&str] = &[
    concat!("laissez.identity.v1.IdentityService", "/ExchangeSession"),
    concat!("laissez.identity.v1.IdentityService", "/GetSigningKeys"),
    // Providers post their signed notices to payment's own listener.
    concat!(
        "laissez.payment.v1.PaymentService",
        "/HandleProviderCallback"
    ),
];
