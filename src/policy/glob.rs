//! `*` wildcards, the only pattern syntax of policies and exemptions: `aws_*`, `ec2:*`,
//! `web*`, `arn:aws:ec2:*:111111111111:instance/*`. Everything but `*` is literal, so
//! Terraform addresses (`aws_sqs_queue.jobs[1]`) and tag values need no escaping.

/// Whether `text` matches `pattern`, case-sensitively. `*` matches any sequence, `/` included.
pub(crate) fn matches(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    // Iterative matching with one backtrack point: linear in practice, never exponential.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// Case-insensitive variant, for tag keys (AWS treats keys that differ only in case as one
/// key in tag policies).
pub(crate) fn matches_ignore_case(pattern: &str, text: &str) -> bool {
    matches(&pattern.to_lowercase(), &text.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(matches("aws_*", "aws_instance"));
        assert!(!matches("aws_*", "google_instance"));
        assert!(matches("ec2:*", "ec2:instance"));
        assert!(matches("*", ""));
        assert!(matches("web*", "web"));
        assert!(matches("a*b*c", "axxbyyc"));
        assert!(!matches("a*b*c", "axxbyy"));
        assert!(matches("aws_sqs_queue.jobs[1]", "aws_sqs_queue.jobs[1]"));
        assert!(!matches("aws_sqs_queue.jobs[1]", "aws_sqs_queue.jobs[2]"));
        assert!(matches("arn:aws:ec2:*:1:instance/*", "arn:aws:ec2:eu-west-1:1:instance/i-0"));
        assert!(!matches("Web*", "web"));
        assert!(matches_ignore_case("Temp*", "temporary"));
        // Multi-byte text compares byte-wise without panicking.
        assert!(matches("é*", "équipe"));
    }
}
