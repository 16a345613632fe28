//! `latchkey token create --name NAME`: a new super-admin API token, printed once.

use clap::{Args, Subcommand};

use crate::config::{FileConfig, StoreArgs};
use model::time::Clock;

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token and print it (once): for the super-admin user, or with `--as`
    /// for another administrator, whose roles the token then acts with.
    Create(CreateArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    #[command(flatten)]
    pub store: StoreArgs,

    /// Name shown in the API tokens list.
    #[arg(long)]
    pub name: String,

    /// The login of the user the token acts as (default: the super-admin user). The user
    /// must be able to act (not deactivated or suspended) and hold an administrator role.
    #[arg(long = "as", value_name = "LOGIN")]
    pub as_login: Option<String>,
}

pub async fn run(cmd: TokenCommand, file: FileConfig) -> anyhow::Result<()> {
    match cmd {
        TokenCommand::Create(args) => {
            let store_args = args.store.merge(StoreArgs {
                data_dir: file.data_dir.clone(),
                database_url: file.database_url.clone(),
            });
            let secret = create(&store_args, &file, &args.name, args.as_login.as_deref()).await?;
            println!("{secret}");
            Ok(())
        }
    }
}

/// Creates a token named `name` for the super-admin user, or for the administrator whose
/// login is `as_login` (bootstrapping the org first if the data folder is new), and returns
/// the secret.
pub async fn create(
    store_args: &StoreArgs,
    file: &FileConfig,
    name: &str,
    as_login: Option<&str>,
) -> anyhow::Result<String> {
    let name = name.trim();
    anyhow::ensure!(!name.is_empty(), "--name must not be empty");
    let store = store::connect(&store_args.database_url()).await?;
    let now = Clock::System.now().millis();
    let admin_login = file
        .admin_login
        .as_deref()
        .unwrap_or("admin@latchkey.local");
    let boot = crate::bootstrap::ensure_org(
        store.as_ref(),
        file.org_name.as_deref().unwrap_or("Latchkey"),
        admin_login,
        now,
        None,
    )
    .await?;
    if let Some(first) = &boot.new_admin_token {
        crate::bootstrap::write_admin_token(&store_args.data_dir(), first)?;
    }
    let login = as_login.unwrap_or(admin_login);
    let owner = store
        .user_by_login(&model::users::profile::login_lower(login))
        .await?
        .ok_or_else(|| anyhow::anyhow!("user {login} not found"))?;
    anyhow::ensure!(
        model::roles::can_administer(&owner.status),
        "user {login} is {}: a token acts as an administrator who is not deactivated or suspended",
        owner.status
    );
    let roles = store.role_grants_for_user(&owner.id).await?;
    let custom = store.custom_grants("USER", &owner.id).await?;
    anyhow::ensure!(
        !(roles.is_empty() && custom.is_empty()),
        "user {login} holds no administrator role: assign one first \
         (POST /api/v1/users/{{id}}/roles)"
    );
    let owner = owner.id;
    let secret = crypto::tokens::new_api_token();
    crate::bootstrap::insert_token(store.as_ref(), &owner, name, "Latchkey CLI", &secret, now)
        .await?;
    Ok(secret)
}
