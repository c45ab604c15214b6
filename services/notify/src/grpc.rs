//! The gRPC surface: the caller's own message centre (list, unread count,
//! mark read) and, for staff, the delivery log. The account and agency come
//! from the verified token only.

use chrono::{DateTime, Utc};
use laissez_kit::{Caller, Role, ServiceError, caller};
use laissez_proto::notify::v1::notify_service_server::NotifyService;
use laissez_proto::notify::v1::{
    Delivery, GetUnreadCountRequest, GetUnreadCountResponse, InAppMessage, ListDeliveriesRequest,
    ListDeliveriesResponse, ListMessagesRequest, ListMessagesResponse, MarkReadRequest,
    MarkReadResponse,
};
use sqlx::PgPool;
use tonic::{Request, Response, Status};
use uuid::Uuid;

use crate::domain::{DeliveryStatus, mask_recipient};
use crate::store::{deliveries, messages};

const DEFAULT_PAGE_SIZE: u32 = 20;
const MAX_PAGE_SIZE: u32 = 100;
const MAX_MARK_IDS: usize = 500;

pub struct NotifyApi {
    pool: PgPool,
}

impl NotifyApi {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

fn mailbox(caller: &Caller) -> Result<messages::Mailbox<'_>, Status> {
    if caller.account_id.is_empty() || caller.agency.is_empty() {
        return Err(Status::permission_denied(
            "the caller has no account in an agency",
        ));
    }
    Ok(messages::Mailbox {
        agency: &caller.agency,
        account_id: &caller.account_id,
    })
}

fn page_size(requested: u32) -> u32 {
    match requested {
        0 => DEFAULT_PAGE_SIZE,
        size => size.min(MAX_PAGE_SIZE),
    }
}

fn page_token(field: &str, token: &str) -> Result<Option<Uuid>, ServiceError> {
    if token.is_empty() {
        return Ok(None);
    }
    Uuid::parse_str(token).map(Some).map_err(|_| {
        ServiceError::invalid(
            field,
            "invalid_format",
            "not a page token from a previous answer",
        )
    })
}

fn timestamp(at: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: i32::try_from(at.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

/// The rows of one page and the token of the next (empty on the last page);
/// `rows` holds up to `size + 1` rows, the extra one only proving there is more.
fn paginate<T>(mut rows: Vec<T>, size: u32, id: impl Fn(&T) -> Uuid) -> (Vec<T>, String) {
    let size = size as usize;
    if rows.len() <= size {
        return (rows, String::new());
    }
    rows.truncate(size);
    let next = rows
        .last()
        .map(|row| id(row).to_string())
        .unwrap_or_default();
    (rows, next)
}

#[tonic::async_trait]
impl NotifyService for NotifyApi {
    async fn list_messages(
        &self,
        request: Request<ListMessagesRequest>,
    ) -> Result<Response<ListMessagesResponse>, Status> {
        let caller = caller(&request)?;
        let mailbox = mailbox(caller)?;
        let body = request.get_ref();
        let size = page_size(body.page_size);
        let before = page_token("page_token", &body.page_token)?;
        let rows = messages::list(&self.pool, mailbox, body.unread_only, before, size + 1)
            .await
            .map_err(ServiceError::from)?;
        let (rows, next_page_token) = paginate(rows, size, |row| row.id);
        let messages = rows
            .into_iter()
            .map(|row| InAppMessage {
                message_id: row.id.to_string(),
                subject: row.subject,
                body: row.body,
                case_id: row.case_id,
                read: row.read_at.is_some(),
                created_at: Some(timestamp(row.created_at)),
                event_type: row.event_type,
            })
            .collect();
        Ok(Response::new(ListMessagesResponse {
            messages,
            next_page_token,
        }))
    }

    async fn get_unread_count(
        &self,
        request: Request<GetUnreadCountRequest>,
    ) -> Result<Response<GetUnreadCountResponse>, Status> {
        let mailbox = mailbox(caller(&request)?)?;
        let unread = messages::unread_count(&self.pool, mailbox)
            .await
            .map_err(ServiceError::from)?;
        Ok(Response::new(GetUnreadCountResponse {
            unread: u64::try_from(unread).unwrap_or(0),
        }))
    }

    async fn mark_read(
        &self,
        request: Request<MarkReadRequest>,
    ) -> Result<Response<MarkReadResponse>, Status> {
        let mailbox = mailbox(caller(&request)?)?;
        let body = request.get_ref();
        if body.all && !body.message_ids.is_empty() {
            return Err(ServiceError::invalid(
                "message_ids",
                "conflict",
                "give message ids or all, not both",
            )
            .into());
        }
        if !body.all && body.message_ids.is_empty() {
            return Err(ServiceError::invalid(
                "message_ids",
                "required",
                "give message ids or all",
            )
            .into());
        }
        if body.message_ids.len() > MAX_MARK_IDS {
            return Err(ServiceError::invalid(
                "message_ids",
                "too_many",
                format!("at most {MAX_MARK_IDS} ids"),
            )
            .into());
        }
        let mut ids = Vec::with_capacity(body.message_ids.len());
        for (index, id) in body.message_ids.iter().enumerate() {
            let parsed = Uuid::parse_str(id).map_err(|_| {
                ServiceError::invalid(
                    format!("message_ids[{index}]"),
                    "invalid_format",
                    "not a message id",
                )
            })?;
            ids.push(parsed);
        }
        let selection = if body.all { None } else { Some(ids.as_slice()) };
        let marked = messages::mark_read(&self.pool, mailbox, selection)
            .await
            .map_err(ServiceError::from)?;
        Ok(Response::new(MarkReadResponse { marked }))
    }

    async fn list_deliveries(
        &self,
        request: Request<ListDeliveriesRequest>,
    ) -> Result<Response<ListDeliveriesResponse>, Status> {
        let caller = caller(&request)?;
        caller.require_any_role(&[Role::AgencyAdmin, Role::PlatformOperator])?;
        let agency = if caller.has_role(Role::PlatformOperator) {
            None
        } else {
            Some(caller.agency.as_str())
        };
        let body = request.get_ref();
        let status = match body.status.as_str() {
            "" => None,
            text => Some(DeliveryStatus::parse(text).ok_or_else(|| {
                ServiceError::invalid("status", "invalid_value", "one of pending, sent, failed")
            })?),
        };
        let size = page_size(body.page_size);
        let before = page_token("page_token", &body.page_token)?;
        let rows = deliveries::list(&self.pool, agency, status, before, size + 1)
            .await
            .map_err(ServiceError::from)?;
        let (rows, next_page_token) = paginate(rows, size, |row| row.id);
        let deliveries = rows
            .into_iter()
            .map(|row| Delivery {
                delivery_id: row.id.to_string(),
                channel: row.channel,
                event_id: row.event_id.to_string(),
                status: row.status,
                attempts: u32::try_from(row.attempts).unwrap_or(0),
                last_error: row.last_error,
                updated_at: Some(timestamp(row.updated_at)),
                event_type: row.event_type,
                agency: row.agency,
                recipient: mask_recipient(&row.recipient),
            })
            .collect();
        Ok(Response::new(ListDeliveriesResponse {
            deliveries,
            next_page_token,
        }))
    }
}
