//! Messages to users that leave through the store's outbox: account recovery, activation and
//! password reset emails, email factor codes, and the SMS and voice codes of a recovery.
//! Without an SMTP server, emails are kept in the org's mailbox (`kept_mail`, read with
//! `latchkey outbox`) instead of being sent. The request writes the
//! message (in the transaction that needs it, where there is one) and answers at once; this
//! worker (on every node) claims due messages, delivers them (`crate::delivery`) and deletes
//! them, or tries again later.
//!
//! Why: a recovery must answer alike, in body, status and time, whether or not the username
//! names a user. Sending inside the request made a known user's answer wait for the SMTP
//! server or the telephony hook, which told an attacker who exists.
//!
//! Invariants:
//! - the payload (address, code or recovery token, text) is sealed with the org's key before
//!   it is stored, and appears only in the message to its recipient;
//! - a message is delivered at most once per claim; a failed one is retried with backoff
//!   until its code or token expires, then dropped with a warning; a node that dies mid-send
//!   leaves it to another node once its lease ends.

use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use store::{MessageOutcome, OutboxMessage};

use crate::delivery::{self, DeliveryError, PhoneChannel};
use crate::events::{RequestContext, REQUEST};
use crate::state::AppState;

/// How long a claim holds a message (longer than any delivery's timeout).
const LEASE_MS: i64 = 60_000;
/// Messages claimed at once.
const BATCH: u32 = 16;

/// Wakes this node's worker when a request has written a message.
#[derive(Debug, Default, Clone)]
pub struct Wakeup(Arc<tokio::sync::Notify>);

impl Wakeup {
    pub fn notify(&self) {
        self.0.notify_one();
    }
}

/// What is sealed in the store: the message, and the System Log event that records it, written
/// when the message goes (so the request that asked for it writes the same rows whether or not
/// anything is sent).
#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    message: Payload,
    event: Option<SealedEvent>,
}

/// A System Log event carried in an envelope.
#[derive(Debug, Serialize, Deserialize)]
struct SealedEvent {
    id: String,
    published: i64,
    event_type: String,
    body: serde_json::Value,
}

impl From<store::EventRecord> for SealedEvent {
    fn from(e: store::EventRecord) -> Self {
        Self {
            id: e.id,
            published: e.published,
            event_type: e.event_type,
            body: e.body,
        }
    }
}

impl From<SealedEvent> for store::EventRecord {
    fn from(e: SealedEvent) -> Self {
        Self {
            id: e.id,
            published: e.published,
            event_type: e.event_type,
            body: e.body,
        }
    }
}

/// What a message says.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
enum Payload {
    #[serde(rename_all = "camelCase")]
    Email {
        to: String,
        subject: String,
        body: String,
        /// The HTML alternative (older messages have none).
        #[serde(default)]
        html: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    Phone {
        phone: String,
        code: String,
        voice: bool,
        /// The telephony hook's `requestType`.
        request_type: String,
        /// The request that asked for it, for the hook's context.
        request_id: String,
        ip_address: Option<String>,
    },
    /// A test org's SMS or voice code with no telephony hook to carry it: kept in the
    /// mailbox, where tests read it (`GET /_latchkey/outbox`).
    #[serde(rename_all = "camelCase")]
    Kept {
        to: String,
        subject: String,
        text: String,
        code: String,
    },
    /// Nothing to deliver: written for a username that names no user, so its recovery costs
    /// what a real one does; the worker drops it.
    #[serde(rename_all = "camelCase")]
    Void { padding: String },
}

/// An email to `to`, worth sending until `expires_at`; `event` is written once it is sent
/// (or kept in the org's mailbox when no SMTP server is configured).
pub fn email(
    app: &AppState,
    user_id: &str,
    to: &str,
    mail: crate::mail::Composed,
    expires_at: i64,
    event: Option<store::EventRecord>,
) -> Result<OutboxMessage, crate::wire::ApiError> {
    seal(
        app,
        "EMAIL",
        Some(user_id),
        Payload::Email {
            to: to.to_owned(),
            subject: mail.subject,
            body: mail.text,
            html: Some(mail.html),
        },
        expires_at,
        event,
    )
}

/// A code by SMS or voice to `phone`, through the telephony hook, valid until `expires_at`;
/// `event` is written once it is sent.
#[allow(clippy::too_many_arguments)]
pub fn phone(
    app: &AppState,
    user_id: &str,
    phone: &str,
    channel: PhoneChannel,
    code: &str,
    expires_at: i64,
    request_type: &str,
    event: store::EventRecord,
) -> Result<OutboxMessage, crate::wire::ApiError> {
    let request = REQUEST.try_with(Clone::clone).unwrap_or_default();
    seal(
        app,
        if channel == PhoneChannel::Voice {
            "CALL"
        } else {
            "SMS"
        },
        Some(user_id),
        Payload::Phone {
            phone: phone.to_owned(),
            code: code.to_owned(),
            voice: channel == PhoneChannel::Voice,
            request_type: request_type.to_owned(),
            request_id: request.request_id,
            ip_address: request.ip_address,
        },
        expires_at,
        Some(event),
    )
}

/// A test org's phone code kept in the mailbox instead of sent (no telephony hook).
pub fn kept_phone(
    app: &AppState,
    user_id: &str,
    phone: &str,
    channel: PhoneChannel,
    text: &str,
    code: &str,
    expires_at: i64,
) -> Result<OutboxMessage, crate::wire::ApiError> {
    seal(
        app,
        "KEPT",
        Some(user_id),
        Payload::Kept {
            to: phone.to_owned(),
            subject: format!("{} code", channel.as_str()),
            text: text.to_owned(),
            code: code.to_owned(),
        },
        expires_at,
        None,
    )
}

/// The message an unknown username's recovery writes in place of a real one: the same
/// sealing and insert, and nothing is ever sent; `event` is written when it is dropped.
pub fn void(
    app: &AppState,
    expires_at: i64,
    event: store::EventRecord,
) -> Result<OutboxMessage, crate::wire::ApiError> {
    seal(
        app,
        "VOID",
        None,
        Payload::Void {
            padding: "x".repeat(240),
        },
        expires_at,
        Some(event),
    )
}

fn seal(
    app: &AppState,
    channel: &str,
    user_id: Option<&str>,
    message: Payload,
    expires_at: i64,
    event: Option<store::EventRecord>,
) -> Result<OutboxMessage, crate::wire::ApiError> {
    let now = app.clock.now().millis();
    let envelope = Envelope {
        message,
        event: event.map(Into::into),
    };
    let text = serde_json::to_string(&envelope).map_err(|_| crate::wire::ApiError::Internal)?;
    Ok(OutboxMessage {
        id: model::ids::random_base62(20),
        channel: channel.to_owned(),
        user_id: user_id.map(str::to_owned),
        payload: app.sealer.seal(&crypto::SecretString::from(text)),
        created: now,
        expires_at,
        attempts: 0,
        next_attempt_at: now,
        locked_until: None,
        last_error: None,
    })
}

/// Delivers due messages until aborted: at once when this node wrote one, and every second
/// for the rest (other nodes' messages, retries, what a stopped node left).
pub fn spawn_worker(app: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let busy = match tick(&app).await {
                Ok(n) => n > 0,
                Err(err) => {
                    tracing::warn!(error = %err, "outbox worker");
                    false
                }
            };
            if !busy {
                tokio::select! {
                    () = app.outbox.0.notified() => {}
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
            }
        }
    })
}

/// One round: claims due messages and delivers them; answers how many it claimed.
pub async fn tick(app: &AppState) -> store::StoreResult<usize> {
    let now = app.clock.now().millis();
    let claimed = app.store.claim_messages(now, LEASE_MS, BATCH).await?;
    let count = claimed.len();
    let outcomes = futures::future::join_all(claimed.iter().map(|m| attempt(app, m, now))).await;
    for (message, outcome) in claimed.iter().zip(outcomes) {
        app.store.finish_message(&message.id, &outcome).await?;
    }
    Ok(count)
}

async fn attempt(app: &AppState, message: &OutboxMessage, now: i64) -> MessageOutcome {
    if message.expires_at <= now {
        tracing::warn!(
            message = %message.id,
            channel = %message.channel,
            attempts = message.attempts,
            error = message.last_error.as_deref().unwrap_or(""),
            "message dropped: what it carried expired before it could be delivered"
        );
        return MessageOutcome::Done;
    }
    match deliver(app, message).await {
        Ok(Delivered { event, kept }) => {
            let outcome = match kept {
                Some((recipient, subject)) => {
                    tracing::info!(
                        message = %message.id,
                        to = %recipient,
                        subject = %subject,
                        "email kept in the org's mailbox (no --smtp-url): read it with `latchkey outbox show {}`",
                        message.id
                    );
                    MessageOutcome::Keep {
                        recipient,
                        subject,
                        kept_at: now,
                    }
                }
                None => MessageOutcome::Done,
            };
            match event {
                Some(event) => match app.store.record_events(&[event]).await {
                    Ok(()) => outcome,
                    Err(err) => MessageOutcome::Retry {
                        next_attempt_at: now + backoff_ms(message.attempts),
                        error: format!("its event was not written: {err}"),
                    },
                },
                None => outcome,
            }
        }
        Err(err) => {
            let next_attempt_at = now + backoff_ms(message.attempts);
            tracing::warn!(message = %message.id, channel = %message.channel, error = %err, next_attempt_at, "message not delivered; will try again");
            MessageOutcome::Retry {
                next_attempt_at,
                error: err.to_string(),
            }
        }
    }
}

/// 5 s, doubling, at most 5 minutes.
fn backoff_ms(attempts: i64) -> i64 {
    let shift = u32::try_from(attempts.clamp(0, 6)).unwrap_or(6);
    (5_000_i64 << shift).min(300_000)
}

/// What a delivery did: the event to write now, and, for an email kept in the mailbox, its
/// recipient and subject.
struct Delivered {
    event: Option<store::EventRecord>,
    kept: Option<(String, String)>,
}

impl Delivered {
    fn sent(event: Option<store::EventRecord>) -> Self {
        Self { event, kept: None }
    }
}

/// An email of the org's mailbox, opened.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenedMail {
    pub id: String,
    pub user_id: Option<String>,
    pub to: String,
    pub subject: String,
    pub kept_at: String,
    pub text: String,
    pub html: Option<String>,
    /// The code of an SMS or voice message (test orgs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// Opens a kept email with the org's key; `None` when it is not a readable email.
pub fn open_kept(
    sealer: &crypto::sealed::Sealer,
    mail: &store::KeptMailRecord,
) -> Option<OpenedMail> {
    use crypto::ExposeSecret;
    let text = sealer.open(&mail.payload).ok()?;
    let envelope: Envelope = serde_json::from_str(text.expose_secret()).ok()?;
    match envelope.message {
        Payload::Email {
            to,
            subject,
            body,
            html,
        } => Some(OpenedMail {
            id: mail.id.clone(),
            user_id: mail.user_id.clone(),
            to,
            subject,
            kept_at: model::time::Timestamp(mail.kept_at).to_iso(),
            text: body,
            html,
            code: None,
        }),
        Payload::Kept {
            to,
            subject,
            text,
            code,
        } => Some(OpenedMail {
            id: mail.id.clone(),
            user_id: mail.user_id.clone(),
            to,
            subject,
            kept_at: model::time::Timestamp(mail.kept_at).to_iso(),
            text,
            html: None,
            code: Some(code),
        }),
        _ => None,
    }
}

/// Delivers a message; answers the event to write now that it went.
async fn deliver(app: &AppState, message: &OutboxMessage) -> Result<Delivered, DeliveryError> {
    let text = app.sealer.open(&message.payload).map_err(|_| {
        DeliveryError::Failed("the message cannot be unsealed with this key".into())
    })?;
    let envelope: Envelope = {
        use crypto::ExposeSecret;
        serde_json::from_str(text.expose_secret())
            .map_err(|_| DeliveryError::Failed("the message is not readable".into()))?
    };
    let event = envelope.event.map(store::EventRecord::from);
    match envelope.message {
        Payload::Void { .. } => Ok(Delivered::sent(event)),
        Payload::Kept { to, subject, .. } => Ok(Delivered {
            event,
            kept: Some((to, subject)),
        }),
        Payload::Email {
            to,
            subject,
            body,
            html,
        } => match app.mailer.as_ref() {
            Some(mailer) => mailer
                .send(&to, &subject, body, html)
                .await
                .map(|()| Delivered::sent(event)),
            None => Ok(Delivered {
                event,
                kept: Some((to, subject)),
            }),
        },
        Payload::Phone {
            phone,
            code,
            voice,
            request_type,
            request_id,
            ip_address,
        } => {
            let user = match &message.user_id {
                Some(id) => app
                    .store
                    .user_by_id(id)
                    .await
                    .map_err(|e| DeliveryError::Failed(e.to_string()))?,
                None => None,
            };
            let Some(user) = user else {
                // The user went: nothing to deliver.
                return Ok(Delivered::sent(None));
            };
            let channel = if voice {
                PhoneChannel::Voice
            } else {
                PhoneChannel::Sms
            };
            let context = RequestContext {
                request_id,
                ip_address,
                user_agent: None,
            };
            REQUEST
                .scope(
                    context,
                    delivery::phone_code(
                        app,
                        &user,
                        &phone,
                        channel,
                        &code,
                        message.expires_at,
                        &request_type,
                    ),
                )
                .await
                .map(|()| Delivered::sent(event))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::backoff_ms;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff_ms(0), 5_000);
        assert_eq!(backoff_ms(2), 20_000);
        assert_eq!(backoff_ms(30), 300_000);
    }
}
