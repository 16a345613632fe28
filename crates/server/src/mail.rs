//! Okta's messages to users, composed from the templates (`crate::templates`, `email/*`) as
//! plain text and HTML, and handed to the outbox (`crate::outbox`), which sends them by SMTP or,
//! without an SMTP server, keeps them in the org's mailbox.

use serde_json::{json, Value};
use store::UserRecord;

use crate::state::AppState;
use crate::wire::ApiError;

/// Which message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    /// The activation link (`/welcome/{token}`).
    Activation,
    /// An administrator's password reset (`/signin/reset-password/{token}`).
    PasswordReset,
    /// A self-service forgot-password email (the same link, asked for by the user).
    ForgotPassword,
    /// A self-service unlock email (`/signin/unlock/{token}`).
    Unlock,
    /// An email factor's one-time code.
    EmailCode,
    /// A notice to the old address that the email address changed.
    EmailChange,
}

impl MailKind {
    const fn template(self) -> &'static str {
        match self {
            Self::Activation => "activation",
            Self::PasswordReset => "password_reset",
            Self::ForgotPassword => "forgot_password",
            Self::Unlock => "unlock",
            Self::EmailCode => "email_code",
            Self::EmailChange => "email_change",
        }
    }
}

/// A message ready to send.
#[derive(Debug, Clone)]
pub struct Composed {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The branding every page and message sees.
pub fn brand(app: &AppState) -> Value {
    json!({
        "org": app.org.name,
        "color": app.config.brand.color,
        "logo": app.config.brand.logo.is_some(),
    })
}

/// "5 minutes", "1 hour", "7 days".
pub fn duration_text(ms: i64) -> String {
    let minutes = (ms + 59_999) / 60_000;
    let (n, unit) = if minutes % (24 * 60) == 0 {
        (minutes / (24 * 60), "day")
    } else if minutes % 60 == 0 {
        (minutes / 60, "hour")
    } else {
        (minutes, "minute")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// Composes `kind` for `user` at `to`; `vars` adds what the message carries (`url`, `token`,
/// `code`, `expires`, ...).
pub fn compose(
    app: &AppState,
    kind: MailKind,
    user: Option<&UserRecord>,
    to: &str,
    vars: Value,
) -> Result<Composed, ApiError> {
    let mut context = json!({
        "org": app.org.name,
        "brand": brand(app),
        "to": to,
        "user": user.map_or_else(|| json!({}), |u| Value::Object(u.profile.clone())),
    });
    if let (Some(map), Value::Object(extra)) = (context.as_object_mut(), vars) {
        map.extend(extra);
    }
    let name = kind.template();
    let render = |suffix: &str| {
        app.templates
            .render(&format!("email/{name}.{suffix}"), &context)
            .map_err(|err| {
                tracing::error!(template = %format!("email/{name}.{suffix}"), error = %err, "email template failed");
                ApiError::Internal
            })
    };
    Ok(Composed {
        subject: render("subject.txt")?.trim().replace(['\r', '\n'], " "),
        text: render("txt")?,
        html: render("html")?,
    })
}

#[cfg(test)]
mod tests {
    use super::duration_text;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_text(300_000), "5 minutes");
        assert_eq!(duration_text(60_000), "1 minute");
        assert_eq!(duration_text(3_600_000), "1 hour");
        assert_eq!(duration_text(7 * 24 * 3_600_000), "7 days");
    }
}
