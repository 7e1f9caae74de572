//! Plain words for the credential set-up mistakes people make most: a profile that does not
//! exist, an SSO session never logged in or expired, no credentials at all. The SDK reports them
//! as dispatch failures deep in an error chain; the user needs the fix.
//!
//! Only names are read from the shared config and credentials files (section headers), never a
//! key.

use std::path::PathBuf;

/// The profile names defined in the shared config file (`[profile NAME]`, `[default]`) and the
/// credentials file (`[NAME]`), from `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE` or their
/// defaults under the home directory. Unreadable files define nothing.
pub(crate) fn defined_profiles() -> Vec<String> {
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE")).map(PathBuf::from);
    let file = |var: &str, default: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".aws").join(default)))
    };
    let mut names = Vec::new();
    if let Some(text) =
        file("AWS_CONFIG_FILE", "config").and_then(|p| crate::source::read_regular_to_string(&p).ok())
    {
        names.extend(sections(&text, true));
    }
    if let Some(text) = file("AWS_SHARED_CREDENTIALS_FILE", "credentials")
        .and_then(|p| crate::source::read_regular_to_string(&p).ok())
    {
        names.extend(sections(&text, false));
    }
    names.sort();
    names.dedup();
    names
}

/// Profile names of one file's section headers. In the config file a profile is
/// `[profile NAME]` (or `[default]`); `[sso-session X]` and `[services X]` are not profiles.
fn sections(text: &str, config: bool) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let Some(inner) = line.strip_prefix('[').and_then(|l| l.split(']').next()) else {
            continue;
        };
        let inner = inner.trim();
        if !config || inner == "default" {
            out.push(inner.to_string());
        } else if let Some(name) = inner.strip_prefix("profile") {
            if name.starts_with(char::is_whitespace) {
                out.push(name.trim().to_string());
            }
        }
    }
    out
}

/// The message for a profile asked for by name that no file defines.
pub(crate) fn unknown_profile(profile: &str, defined: &[String]) -> Option<String> {
    if defined.iter().any(|p| p == profile) {
        return None;
    }
    let known = if defined.is_empty() {
        "no profile is defined (run `aws configure` or `aws configure sso`)".to_string()
    } else {
        format!("defined profiles: {}", defined.join(", "))
    };
    Some(format!("AWS profile \"{profile}\" does not exist in ~/.aws/config or ~/.aws/credentials; {known}"))
}

/// A plain sentence for a credential failure found in an SDK error chain, when it is one of the
/// common ones. `profile` is the profile in use, if known.
pub(crate) fn credentials_problem(context: &str, profile: Option<&str>) -> Option<String> {
    let login = match profile {
        Some(p) => format!("aws sso login --profile {p}"),
        None => "aws sso login".to_string(),
    };
    let named = profile.map(|p| format!(" of profile \"{p}\"")).unwrap_or_default();
    if context.contains("SSO token has expired") {
        return Some(format!("the AWS SSO session{named} has expired: run `{login}`, then try again"));
    }
    if context.contains("SSO token") {
        return Some(format!(
            "there is no AWS SSO login{named} on this machine: run `{login}`, then try again"
        ));
    }
    if let Some(start) = context.find("profile `") {
        let rest = &context[start + "profile `".len()..];
        if let Some((name, tail)) = rest.split_once('`') {
            if tail.starts_with(" was not defined") {
                return Some(format!(
                    "AWS profile \"{name}\" does not exist in ~/.aws/config or ~/.aws/credentials"
                ));
            }
        }
    }
    if context.contains("no providers in chain provided credentials")
        || context.contains("no credentials found in chain")
        || context.contains("No profiles were defined")
    {
        return Some(
            "no AWS credentials found: set AWS_PROFILE or pass --profile, run `aws configure`, \
             or work offline with --snapshot FILE (or --offline)"
                .to_string(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_are_read_from_section_headers() {
        let config = "[default]\nregion = eu-west-1\n[profile dev]\n[sso-session corp]\n[profilex]\n[ profile  prod ]\n";
        assert_eq!(sections(config, true), ["default", "dev", "prod"]);
        assert_eq!(sections("[ci]\naws_access_key_id = x\n", false), ["ci"]);
    }

    #[test]
    fn an_unknown_profile_is_named_with_the_known_ones() {
        let defined = vec!["default".to_string(), "dev".to_string()];
        assert_eq!(unknown_profile("dev", &defined), None);
        let message = unknown_profile("nope", &defined).unwrap();
        assert!(message.contains("\"nope\" does not exist") && message.contains("default, dev"), "{message}");
        assert!(unknown_profile("x", &[]).unwrap().contains("aws configure"));
    }

    #[test]
    fn sdk_credential_errors_become_plain_words() {
        let sso = "dispatch failure: other: failed to load the cached SSO token: file not found";
        let text = credentials_problem(sso, Some("corp")).unwrap();
        assert!(text.contains("aws sso login --profile corp"), "{text}");
        let expired = credentials_problem("the SSO token has expired and cannot be refreshed", None).unwrap();
        assert!(expired.contains("expired") && expired.contains("`aws sso login`"), "{expired}");
        let missing = credentials_problem("profile `nope` was not defined: not found", None).unwrap();
        assert!(missing.contains("\"nope\" does not exist"), "{missing}");
        let none = credentials_problem("dispatch failure: no providers in chain provided credentials", None);
        assert!(none.unwrap().contains("no AWS credentials found"));
        assert_eq!(credentials_problem("AccessDenied: nope", None), None);
    }
}
