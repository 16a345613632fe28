//! Delivering one-time codes: email through SMTP (lettre) to the configured server, SMS and
//! voice through Okta's telephony inline hook contract (the ACTIVE `com.okta.telephony.provider`
//! inline hook is POSTed a `TelephonyRequest`; its `com.okta.telephony.action` command says
//! whether the code went out).
//!
//! Invariants: a code appears only in the message to its recipient (never in a log line or an
//! error); a delivery that fails is an error to the caller, who then stores nothing.

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde_json::{json, Value};
use store::UserRecord;

use crate::hooks::channel;
use crate::state::AppState;

/// The inline hook type that delivers SMS and voice codes.
pub const TELEPHONY_HOOK: &str = "com.okta.telephony.provider";

/// Why a code could not be delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// No ACTIVE telephony inline hook exists.
    #[error("no active telephony inline hook")]
    NoTelephonyHook,
    #[error("{0}")]
    Failed(String),
}

/// Sends mail through one SMTP server. Cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from).finish()
    }
}

impl Mailer {
    /// A mailer for an `smtp://`, `smtp://...?tls=required` or `smtps://` URL (credentials,
    /// if any, in the URL's user part) sending as `from`.
    pub fn new(url: &str, from: &str) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("--smtp-url: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(10)))
            .build();
        let from = from
            .parse()
            .map_err(|e| anyhow::anyhow!("--smtp-from '{from}': {e}"))?;
        Ok(Self { transport, from })
    }

    /// Sends `text`, with `html` as its alternative when there is one.
    pub async fn send(
        &self,
        to: &str,
        subject: &str,
        text: String,
        html: Option<String>,
    ) -> Result<(), DeliveryError> {
        let to: Mailbox = to
            .parse()
            .map_err(|_| DeliveryError::Failed("the recipient address is not valid".into()))?;
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject);
        let built = match html {
            Some(html) => builder.multipart(lettre::message::MultiPart::alternative_plain_html(
                text, html,
            )),
            None => builder
                .header(lettre::message::header::ContentType::TEXT_PLAIN)
                .body(text),
        };
        let message = built
            .map_err(|e| DeliveryError::Failed(format!("the message could not be built: {e}")))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| DeliveryError::Failed(format!("the SMTP server refused the message: {e}")))
    }
}

/// SMS or voice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneChannel {
    Sms,
    Voice,
}

impl PhoneChannel {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "SMS",
            Self::Voice => "VOICE",
        }
    }
}

/// Sends a code by SMS or voice through the telephony inline hook.
pub async fn phone_code(
    app: &AppState,
    user: &UserRecord,
    phone: &str,
    channel: PhoneChannel,
    code: &str,
    expires_at: i64,
    request_type: &str,
) -> Result<(), DeliveryError> {
    let hook = app
        .store
        .list_inline_hooks(Some(TELEPHONY_HOOK))
        .await
        .map_err(|e| DeliveryError::Failed(e.to_string()))?
        .into_iter()
        .find(|h| h.status == "ACTIVE");
    let template = match channel {
        PhoneChannel::Sms => format!("Your {} verification code is {code}", app.org.name),
        PhoneChannel::Voice => format!(
            "Your {} verification code is {}",
            app.org.name,
            code.chars().map(String::from).collect::<Vec<_>>().join(" ")
        ),
    };
    let Some(hook) = hook else {
        if !app.config.test_mode {
            return Err(DeliveryError::NoTelephonyHook);
        }
        // A test org keeps the code in its mailbox for the test to read.
        let kept =
            crate::outbox::kept_phone(app, &user.id, phone, channel, &template, code, expires_at)
                .map_err(|_| DeliveryError::Failed("the code could not be kept".into()))?;
        app.store
            .enqueue_messages(&[kept])
            .await
            .map_err(|e| DeliveryError::Failed(e.to_string()))?;
        app.outbox.notify();
        return Ok(());
    };
    let now = app.clock.now().millis();
    let request = crate::events::REQUEST
        .try_with(Clone::clone)
        .unwrap_or_default();
    let text = |k: &str| {
        user.profile
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let body = json!({
        "eventId": model::ids::random_base62(22),
        "eventTime": model::time::Timestamp(now).to_iso(),
        "eventType": TELEPHONY_HOOK,
        "eventTypeVersion": "1.0",
        "contentType": "application/json",
        "cloudEventVersion": "0.1",
        "source": app.links.api(&format!("inlineHooks/{}", hook.id)),
        "requestType": request_type,
        "data": {
            "context": { "request": {
                "id": request.request_id,
                "method": "POST",
                "ipAddress": request.ip_address,
            }},
            "userProfile": {
                "firstName": text("firstName"),
                "lastName": text("lastName"),
                "login": text("login"),
                "userId": user.id,
            },
            "messageProfile": {
                "msgTemplate": template,
                "phoneNumber": phone,
                "otpExpires": model::time::Timestamp(expires_at).to_iso(),
                "deliveryChannel": channel.as_str(),
                "otpCode": code,
                "locale": "EN-US",
            },
        },
    });
    let answer = channel::post_json(app, &hook.channel, hook.auth_value_sealed.as_deref(), &body)
        .await
        .map_err(DeliveryError::Failed)?;
    match telephony_status(&answer) {
        Some("SUCCESSFUL" | "PENDING") => Ok(()),
        Some(other) => Err(DeliveryError::Failed(format!(
            "the telephony hook answered {other}"
        ))),
        None => Err(DeliveryError::Failed(
            "the telephony hook answered without a com.okta.telephony.action command".into(),
        )),
    }
}

/// The `status` of the hook's `com.okta.telephony.action` command.
fn telephony_status(answer: &Value) -> Option<&str> {
    answer
        .get("commands")?
        .as_array()?
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some("com.okta.telephony.action"))?
        .get("value")?
        .as_array()?
        .first()?
        .get("status")?
        .as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_telephony_action_status() {
        let ok = json!({ "commands": [{ "type": "com.okta.telephony.action",
            "value": [{ "status": "SUCCESSFUL", "provider": "VONAGE" }] }] });
        assert_eq!(telephony_status(&ok), Some("SUCCESSFUL"));
        let failed = json!({ "commands": [{ "type": "com.okta.telephony.action",
            "value": [{ "status": "FAILED" }] }] });
        assert_eq!(telephony_status(&failed), Some("FAILED"));
        assert_eq!(telephony_status(&json!({ "commands": [] })), None);
        assert_eq!(
            telephony_status(&json!({ "commands": [{ "type": "other", "value": [] }] })),
            None
        );
        assert_eq!(telephony_status(&json!("nonsense")), None);
    }
}
