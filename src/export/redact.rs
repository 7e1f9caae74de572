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

/// How a person's name is written in a tag: two to four capitalised words of letters
/// (`Jane Doe`, `Mary-Ann O'Neil`), two or three lower-case words (`jane doe`), or
/// "Last, First" (`Doe, Jane`). Team names are usually one word (`payments`, `team-web`); a
/// two-word team name (`Data Platform`, `data platform`) is hidden too, which is the safe
/// mistake. Not recognised: one-word names (`jane`), names with digits, all capitals.
pub(crate) fn looks_like_name(value: &str) -> bool {
    let value = value.trim();
    if let Some((last, first)) = value.split_once(',') {
        let (last, first) = (last.trim(), first.trim());
        return !first.contains(',') && is_name_words(last, 1, 2) && is_name_words(first, 1, 2);
    }
    is_name_words(value, 2, 4)
}

/// `min..=max` words of letters, either all capitalised or all lower case (at most three).
fn is_name_words(value: &str, min: usize, max: usize) -> bool {
    let words: Vec<&str> = value.split_whitespace().collect();
    let lettered = |w: &str| {
        w.chars().all(|c| c.is_alphabetic() || "-'.".contains(c))
            && w.chars().filter(|c| c.is_alphabetic()).count() >= 2
    };
    let capitalised =
        |w: &str| w.chars().next().is_some_and(char::is_uppercase) && w.chars().any(char::is_lowercase);
    let lower = |w: &str| w.chars().all(|c| !c.is_uppercase());
    (min..=max).contains(&words.len())
        && words.iter().all(|w| lettered(w))
        && (words.iter().all(|w| capitalised(w)) || (words.len() <= 3 && words.iter().all(|w| lower(w))))
}

/// Free text with people in it, as found in owner and contact tags: a value that is a name
/// becomes its pseudonym; around an e-mail address (`John Smith <john.smith@example.org>`,
/// `john@example.org (John Smith)`, `"Doe, Jane" <jd@x.org>`) each part that is a name does
/// too, and every address loses its local part.
pub(crate) fn redact_free_text(value: &str) -> Cow<'_, str> {
    if looks_like_name(value) {
        return Cow::Owned(name_pseudonym(value));
    }
    if !value.contains('@') {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len());
    let mut changed = false;
    for part in value.split_inclusive(['<', '>', '(', ')', '"', ';', '\n']) {
        let (body, sep) = match part.char_indices().last() {
            Some((i, c)) if "<>()\";\n".contains(c) => (&part[..i], &part[i..]),
            _ => (part, ""),
        };
        if looks_like_name(body) {
            let lead = &body[..body.len() - body.trim_start().len()];
            let trail = &body[body.trim_end().len()..];
            out.push_str(lead);
            out.push_str(&name_pseudonym(body));
            out.push_str(trail);
            changed = true;
        } else {
            out.push_str(body);
        }
        out.push_str(sep);
    }
    match redact_emails(&out) {
        Cow::Owned(s) => Cow::Owned(s),
        Cow::Borrowed(_) if changed => Cow::Owned(out),
        Cow::Borrowed(_) => Cow::Borrowed(value),
    }
}

/// The names inside `value` that [`redact_free_text`] hides, so the same names can be hidden
/// wherever else they appear (messages quoting an owner).
pub(crate) fn names_in(value: &str) -> Vec<String> {
    if looks_like_name(value) {
        return vec![value.trim().to_string()];
    }
    if !value.contains('@') {
        return Vec::new();
    }
    value
        .split(['<', '>', '(', ')', '"', ';', '\n'])
        .map(str::trim)
        .filter(|p| looks_like_name(p))
        .map(str::to_string)
        .collect()
}

/// The pseudonym of a name: stable, case-insensitive, not reversible by a casual reader.
/// "Doe, Jane" and "Jane Doe" are the same person.
pub(crate) fn name_pseudonym(name: &str) -> String {
    let name = match name.split_once(',') {
        Some((last, first)) => format!("{} {}", first.trim(), last.trim()),
        None => name.to_string(),
    };
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
    redact_free_text(value)
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
        for s in ["payments", "team-web", "JANE DOE", "Jane", "Jane Doe 2", "A B C D E", "a b", "x, y, z"] {
            assert!(!looks_like_name(s), "{s}");
        }
        let p = redact_owner("Jane Doe");
        assert!(p.starts_with("person-") && !p.contains("Jane"), "{p}");
        assert_eq!(p, redact_owner("Jane  Doe"), "spacing does not change the pseudonym");
        assert_eq!(redact_owner("payments"), "payments");
        assert!(redact_owner("jane.doe@acme.example").ends_with("@acme.example"));
    }

    #[test]
    fn names_in_free_text() {
        let jane = name_pseudonym("Jane Doe");
        assert_eq!(redact_free_text("Doe, Jane"), jane.as_str(), "Last, First is the same person");
        assert_eq!(redact_free_text("jane doe"), jane.as_str());
        let both = redact_free_text("John Smith <john.smith@example.org>");
        assert!(!both.contains("John") && !both.contains("john") && !both.contains("Smith"), "{both}");
        assert!(both.starts_with("person-") && both.ends_with("@example.org>"), "{both}");
        let paren = redact_free_text("jd@example.org (Doe, Jane)");
        assert!(!paren.contains("Jane") && paren.contains(&jane), "{paren}");
        assert_eq!(redact_free_text("payments"), "payments");
        assert_eq!(names_in("John Smith <john.smith@example.org>"), vec!["John Smith".to_string()]);
    }
}
