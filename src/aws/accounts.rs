//! Which accounts a collection covers and the credentials for each: the caller's own account
//! (STS `GetCallerIdentity`), `--accounts ID,ID --role NAME` (STS `AssumeRole` into
//! `arn:aws:iam::ID:role/NAME`), or `--org` (Organizations `ListAccounts`, active accounts only).
//!
//! An account whose role cannot be assumed is a failed attempt; the others go on.

use aws_sdk_sts::config::Credentials;

use super::clients::Clients;
use super::error::{describe, AwsError};

/// One account to collect from, or the reason it cannot be.
#[derive(Debug)]
pub(crate) struct Target {
    pub(crate) account: String,
    pub(crate) clients: Result<Clients, String>,
}

/// The account the base credentials belong to.
pub(crate) async fn caller_account(base: &Clients) -> Result<String, AwsError> {
    let out = base.sts().get_caller_identity().send().await.map_err(|e| {
        AwsError::Setup(format!(
            "cannot establish the AWS identity (credentials, profile or endpoint): {}",
            describe("GetCallerIdentity", &e)
        ))
    })?;
    out.account()
        .map(str::to_string)
        .ok_or_else(|| AwsError::Setup("GetCallerIdentity returned no account".to_string()))
}

/// Active accounts of the organization, sorted.
pub(crate) async fn organization_accounts(base: &Clients) -> Result<Vec<String>, String> {
    let client = base.organizations();
    let mut accounts = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = client
            .list_accounts()
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| describe("ListAccounts", &e))?;
        for account in out.accounts() {
            // `State` replaces the `Status` that AWS retires; read whichever the endpoint sends.
            let state = account.state().map(|s| s.as_str().to_string());
            #[allow(deprecated)]
            let status = account.status().map(|s| s.as_str().to_string());
            let active = state.or(status).is_some_and(|s| s == "ACTIVE");
            if let (true, Some(id)) = (active, account.id()) {
                accounts.push(id.to_string());
            }
        }
        match out.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    accounts.sort();
    accounts.dedup();
    Ok(accounts)
}

/// Credentials for `account`: the base ones for the caller's own account, else an assumed role.
pub(crate) async fn target(base: &Clients, caller: &str, account: &str, role: Option<&str>) -> Target {
    if account == caller {
        return Target { account: account.to_string(), clients: Ok(base.clone()) };
    }
    let Some(role) = role else {
        return Target {
            account: account.to_string(),
            clients: Err("no --role to assume in this account".to_string()),
        };
    };
    let role_arn = format!("arn:aws:iam::{account}:role/{role}");
    let result = base.sts().assume_role().role_arn(&role_arn).role_session_name("tally").send().await;
    let clients = match result {
        Ok(out) => match out.credentials() {
            Some(c) => Ok(base.with_credentials(
                account,
                Credentials::new(
                    c.access_key_id(),
                    c.secret_access_key(),
                    Some(c.session_token().to_string()),
                    std::time::SystemTime::try_from(*c.expiration()).ok(),
                    "tally-assume-role",
                ),
            )),
            None => Err(format!("AssumeRole {role_arn}: no credentials returned")),
        },
        Err(e) => Err(format!("{} ({role_arn})", describe("AssumeRole", &e))),
    };
    Target { account: account.to_string(), clients }
}
