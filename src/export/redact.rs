//! `--redact`: e-mail addresses in owner and tag values lose their local part, replaced by a
//! stable hash (`jane.doe@example.com` -> `u3f1c0a9b2d@example.com`), so rows still group and
//! join by person without naming them. The hash is unsalted SHA-256: it hides addresses from
//! casual readers of a spreadsheet, not from someone who can guess and hash candidates.
//!
//! Owner tag values that look like a person's name (`Jane Doe`) are replaced whole by a stable
//! pseudonym (`person-3f1c0a9b2d`); the same functions serve `--redact` on reports
//! (`report::redact`), so every output hides the same things the same way.

use std::borrow::Cow;
use std::fmt::Write as _;

use sha2::{Digest, Sha256};

fn is_local(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._%+-'".contains(c)
}

fn is_domain(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '.' || c == '-'
}

/// Replace the local part of every e-mail address in `text`.
pub(crate) fn redact_emails(text: &str) -> Cow<'_, str> {
    if !text.contains('@') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (at, _) in text.match_indices('@') {
        if at < copied {
            continue;
        }
        let local_start = text[copied..at]
            .char_indices()
            .rev()
            .take_while(|(_, c)| is_local(*c))
            .last()
            .map_or(at, |(i, _)| copied + i);
        let domain_len =
            text[at + 1..].chars().take_while(|c| is_domain(*c)).map(char::len_utf8).sum::<usize>();
        let domain = text[at + 1..at + 1 + domain_len].trim_end_matches(['.', '-']);
        let valid_domain = domain.contains('.') && !domain.starts_with(['.', '-']);
        if local_start == at || !valid_domain {
            continue;
        }
        let email = &text[local_start..at + 1 + domain.len()];
        out.push_str(&text[copied..local_start]);
        out.push('u');
        let digest = Sha256::digest(email.to_lowercase().as_bytes());
        for b in &digest[..5] {
            let _ = write!(out, "{b:02x}");
        }
        out.push('@');
        out.push_str(domain);
        copied = at + 1 + domain.len();
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// Two to four capitalised words of letters (`Jane Doe`, `Mary-Ann O'Neil`): how a person's
/// name is written in an owner tag. Team names are usually lower-case (`payments`); a
/// capitalised team name (`Data Platform`) is hidden too, which is the safe mistake.
pub(crate) fn looks_like_name(value: &str) -> bool {
    let words: Vec<&str> = value.split_whitespace().collect();
    (2..=4).contains(&words.len())
        && words.iter().all(|w| {
            w.chars().next().is_some_and(char::is_uppercase)
                && w.chars().all(|c| c.is_alphabetic() || "-'.".contains(c))
                && w.chars().any(char::is_lowercase)
        })
}

/// The pseudonym of a name: stable, case-insensitive, not reversible by a casual reader.
pub(crate) fn name_pseudonym(name: &str) -> String {
    let normalised = name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    let digest = Sha256::digest(normalised.as_bytes());
    let mut out = String::from("person-");
    for b in &digest[..5] {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// An owner tag value with personal data hidden: a name becomes its pseudonym, e-mail
/// addresses lose their local part, anything else is kept.
pub(crate) fn redact_owner(value: &str) -> Cow<'_, str> {
    if looks_like_name(value) {
        return Cow::Owned(name_pseudonym(value));
    }
    redact_emails(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_lose_their_local_part_stably() {
        let a = redact_emails("jane.doe@example.com");
        assert!(a.starts_with('u') && a.ends_with("@example.com") && !a.contains("jane"), "{a}");
        assert_eq!(a, redact_emails("Jane.Doe@example.com"), "case does not change the hash");
        assert_ne!(a, redact_emails("john@example.com"));
        let both = redact_emails("owners: jane.doe@example.com, bob+ops@corp.example.org.");
        assert!(both.starts_with("owners: u") && both.ends_with("@corp.example.org."), "{both}");
        assert!(!both.contains("bob") && !both.contains("jane"), "{both}");
    }

    #[test]
    fn non_emails_are_left_alone() {
        for s in ["payments", "@scope", "a@b", "x@.com", "team@", "100@ 5"] {
            assert_eq!(redact_emails(s), s);
        }
    }

    #[test]
    fn owner_names_become_pseudonyms() {
        assert!(looks_like_name("Jane Doe") && looks_like_name("Mary-Ann O'Neil"));
        for s in ["payments", "team-web", "JANE DOE", "Jane", "Jane Doe 2", "A B C D E"] {
            assert!(!looks_like_name(s), "{s}");
        }
        let p = redact_owner("Jane Doe");
        assert!(p.starts_with("person-") && !p.contains("Jane"), "{p}");
        assert_eq!(p, redact_owner("Jane  Doe"), "spacing does not change the pseudonym");
        assert_eq!(redact_owner("payments"), "payments");
        assert!(redact_owner("jane.doe@acme.example").ends_with("@acme.example"));
    }
}
