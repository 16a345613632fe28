//! The templates of the hosted pages and of the emails to users (minijinja). The built-in ones
//! are compiled in; an operator replaces any of them by putting a file of the same name under
//! `<data-dir>/templates/` (e.g. `templates/email/activation.html`), read at start. Templates
//! ending in `.html` escape every value; text templates do not.
//!
//! Invariants: a template that does not parse fails the start with its file name; a value is
//! never written into HTML unescaped.

use std::path::Path;

use minijinja::{AutoEscape, Environment};
use serde::Serialize;

/// Every built-in template, by name.
const BUILT_IN: &[(&str, &str)] = &[
    (
        "pages/layout.html",
        include_str!("../templates/pages/layout.html"),
    ),
    (
        "pages/signin.html",
        include_str!("../templates/pages/signin.html"),
    ),
    (
        "pages/step.html",
        include_str!("../templates/pages/step.html"),
    ),
    (
        "pages/recover.html",
        include_str!("../templates/pages/recover.html"),
    ),
    (
        "pages/message.html",
        include_str!("../templates/pages/message.html"),
    ),
    (
        "pages/home.html",
        include_str!("../templates/pages/home.html"),
    ),
    (
        "pages/settings.html",
        include_str!("../templates/pages/settings.html"),
    ),
    (
        "pages/consent.html",
        include_str!("../templates/pages/consent.html"),
    ),
    (
        "pages/question.html",
        include_str!("../templates/pages/question.html"),
    ),
    (
        "pages/activate.html",
        include_str!("../templates/pages/activate.html"),
    ),
    (
        "pages/continue.html",
        include_str!("../templates/pages/continue.html"),
    ),
    (
        "pages/style.css",
        include_str!("../templates/pages/style.css"),
    ),
    (
        "email/layout.html",
        include_str!("../templates/email/layout.html"),
    ),
    (
        "email/activation.subject.txt",
        include_str!("../templates/email/activation.subject.txt"),
    ),
    (
        "email/activation.txt",
        include_str!("../templates/email/activation.txt"),
    ),
    (
        "email/activation.html",
        include_str!("../templates/email/activation.html"),
    ),
    (
        "email/password_reset.subject.txt",
        include_str!("../templates/email/password_reset.subject.txt"),
    ),
    (
        "email/password_reset.txt",
        include_str!("../templates/email/password_reset.txt"),
    ),
    (
        "email/password_reset.html",
        include_str!("../templates/email/password_reset.html"),
    ),
    (
        "email/forgot_password.subject.txt",
        include_str!("../templates/email/forgot_password.subject.txt"),
    ),
    (
        "email/forgot_password.txt",
        include_str!("../templates/email/forgot_password.txt"),
    ),
    (
        "email/forgot_password.html",
        include_str!("../templates/email/forgot_password.html"),
    ),
    (
        "email/unlock.subject.txt",
        include_str!("../templates/email/unlock.subject.txt"),
    ),
    (
        "email/unlock.txt",
        include_str!("../templates/email/unlock.txt"),
    ),
    (
        "email/unlock.html",
        include_str!("../templates/email/unlock.html"),
    ),
    (
        "email/email_code.subject.txt",
        include_str!("../templates/email/email_code.subject.txt"),
    ),
    (
        "email/email_code.txt",
        include_str!("../templates/email/email_code.txt"),
    ),
    (
        "email/email_code.html",
        include_str!("../templates/email/email_code.html"),
    ),
    (
        "email/email_change.subject.txt",
        include_str!("../templates/email/email_change.subject.txt"),
    ),
    (
        "email/email_change.txt",
        include_str!("../templates/email/email_change.txt"),
    ),
    (
        "email/email_change.html",
        include_str!("../templates/email/email_change.html"),
    ),
];

/// The loaded templates.
pub struct Templates {
    env: Environment<'static>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates").finish_non_exhaustive()
    }
}

impl Default for Templates {
    fn default() -> Self {
        Self::with(Vec::new()).unwrap_or_else(|_| Self {
            env: Environment::new(),
        })
    }
}

impl Templates {
    /// The built-in templates, each replaced by `<dir>/<name>` where that file exists.
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        let mut overrides = Vec::new();
        for (name, _) in BUILT_IN {
            let path = dir.join(name);
            match std::fs::read_to_string(&path) {
                Ok(text) => {
                    tracing::info!(template = %path.display(), "template replaced from the data folder");
                    overrides.push(((*name).to_owned(), text));
                }
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => anyhow::bail!("reading template {}: {err}", path.display()),
            }
        }
        Self::with(overrides)
    }

    fn with(overrides: Vec<(String, String)>) -> anyhow::Result<Self> {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        for (name, text) in BUILT_IN {
            if overrides.iter().any(|(n, _)| n == name) {
                continue;
            }
            env.add_template(name, text)
                .map_err(|e| anyhow::anyhow!("built-in template {name}: {e}"))?;
        }
        for (name, text) in overrides {
            env.add_template_owned(name.clone(), text)
                .map_err(|e| anyhow::anyhow!("template {name} in the data folder: {e}"))?;
        }
        Ok(Self { env })
    }

    /// Renders template `name` with `context`.
    pub fn render<S: Serialize>(&self, name: &str, context: S) -> Result<String, minijinja::Error> {
        self.env.get_template(name)?.render(context)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_template_parses_and_html_is_escaped() {
        let t = Templates::with(Vec::new()).unwrap();
        let out = t
            .render(
                "pages/message.html",
                minijinja::context! { title => "<b>x</b>", brand => minijinja::context!{ org => "A&B" } },
            )
            .unwrap();
        assert!(
            out.contains("&lt;b&gt;x&lt;&#x2f;b&gt;") || out.contains("&lt;b&gt;x&lt;/b&gt;"),
            "{out}"
        );
        assert!(!out.contains("<b>x</b>"));
    }

    #[test]
    fn a_file_in_the_data_folder_replaces_the_built_in_one() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("email")).unwrap();
        std::fs::write(
            dir.path().join("email/activation.subject.txt"),
            "Join {{ org }} today",
        )
        .unwrap();
        let t = Templates::load(dir.path()).unwrap();
        let subject = t
            .render(
                "email/activation.subject.txt",
                minijinja::context! { org => "Acme" },
            )
            .unwrap();
        assert_eq!(subject.trim(), "Join Acme today");
        std::fs::write(dir.path().join("email/activation.txt"), "{% if %}").unwrap();
        let err = Templates::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("email/activation.txt"), "{err}");
    }
}
