//! JUnit XML, for CI systems that show test reports but not SARIF: one `<testsuite name="tally">`
//! with a test case per finding (class = rule id, name = resource), failing when the finding
//! reaches `--fail-on` and passing (its text in `<system-out>`) when the gate lets it through, so
//! the test report and the exit code agree; an erroring test case per input problem (so partial
//! data shows as "errors"), and one passing test case when there are no findings, so an empty
//! report is not an empty (and suspicious) suite. The suite's `time` is the run's duration; the
//! cases were not timed one by one and say `0`.
//!
//! Written by hand with [`escape`]: the format is small and an XML crate would add nothing.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::table::money;
use super::text::{self, Markup};
use super::{Finding, RenderOptions, Report};
use crate::model::Diagnostic;

pub fn render(report: &Report, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let fails = |f: &Finding| opts.fail_on.is_some_and(|threshold| f.severity >= threshold);
    let failures = report.findings.iter().filter(|f| fails(f)).count();
    let errors = report.diagnostics.len();
    let tests = report.findings.len().max(1) + errors;
    let time = opts.elapsed.map_or(0.0, |d| d.as_secs_f64());
    let counts =
        format!(r#"tests="{tests}" failures="{failures}" errors="{errors}" skipped="0" time="{time:.3}""#);

    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(x, r#"<testsuites name="tally" {counts}>"#);
    let _ = writeln!(x, r#"  <testsuite name="tally" {counts}>"#);
    properties(report, &mut x);
    for f in &report.findings {
        finding(f, fails(f), opts, &mut x);
    }
    for d in &report.diagnostics {
        diagnostic(d, &mut x);
    }
    if report.findings.is_empty() {
        let _ = writeln!(x, r#"    <testcase classname="tally" name="no findings" time="0"/>"#);
    }
    x.push_str("  </testsuite>\n</testsuites>\n");
    out.write_all(x.as_bytes())
}

fn properties(report: &Report, x: &mut String) {
    let mut props = vec![("command", report.command.clone()), ("tally.version", report.tool.version.clone())];
    if let Some(as_of) = report.as_of {
        props.push(("as_of", as_of.to_string()));
    }
    props.push(("partial", report.partial.to_string()));
    if let Some(v) = &report.visibility {
        props.push(("visibility", v.summary_line()));
    }
    x.push_str("    <properties>\n");
    for (name, value) in props {
        let _ = writeln!(x, r#"      <property name="{}" value="{}"/>"#, escape(name), escape(&value));
    }
    x.push_str("    </properties>\n");
}

fn finding(f: &Finding, fails: bool, opts: &RenderOptions, x: &mut String) {
    let _ = write!(
        x,
        r#"    <testcase classname="{}" name="{}""#,
        escape(&f.rule_id),
        escape(f.resource.label())
    );
    // `file` and `line` are not in the original schema, but the common report viewers (GitLab,
    // Jenkins, the GitHub test-report actions) use them to link a case to its source, from the
    // repository root.
    if let Some(loc) = &f.location {
        let _ = write!(x, r#" file="{}""#, escape(&opts.repo.display(&loc.file)));
        if let Some(line) = loc.line {
            let _ = write!(x, r#" line="{line}""#);
        }
    }
    x.push_str(r#" time="0">"#);
    x.push('\n');
    if fails {
        let _ =
            write!(x, r#"      <failure message="{}" type="{}">"#, escape(&f.message), f.severity.as_str());
        x.push_str(&escape_text(&failure_text(f)));
        x.push_str("</failure>\n");
    } else {
        let gate = opts.fail_on.map_or_else(|| "never".to_string(), |s| s.as_str().to_string());
        let text = format!("passes --fail-on {gate}\n{}", failure_text(f));
        let _ = writeln!(x, "      <system-out>{}</system-out>", escape_text(&text));
    }
    x.push_str("    </testcase>\n");
}

/// The body of a failure: everything a reader needs without opening the JSON report.
fn failure_text(f: &Finding) -> String {
    let mut lines = vec![format!("{} {} ({})", f.rule_id, f.rule_name, f.severity), f.message.clone()];
    let r = &f.resource;
    let fields = [
        ("address", r.address.clone()),
        ("arn", r.arn.clone()),
        ("name", r.name.clone()),
        ("type", r.resource_type.map(String::from)),
        ("account", r.account.map(String::from)),
        ("region", r.region.map(String::from)),
        ("location", f.location.as_ref().map(ToString::to_string)),
        ("layer", f.layer.map(|l| l.to_string())),
        (
            "owner",
            (!f.owner.is_empty())
                .then(|| f.owner.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ")),
        ),
        ("cost", f.cost.as_ref().map(money)),
        ("fix", (!f.fix.is_empty()).then(|| f.fix.to_string())),
    ];
    for (key, value) in fields {
        if let Some(value) = value {
            lines.push(format!("{key}: {value}"));
        }
    }
    for (key, value) in &f.details {
        lines.push(format!("{key}: {value}"));
    }
    lines.join("\n")
}

fn diagnostic(d: &Diagnostic, x: &mut String) {
    let mut place: Vec<String> = d.location.iter().map(ToString::to_string).collect();
    place.extend(d.account.iter().chain(&d.region).cloned());
    let name = if place.is_empty() { d.source.clone() } else { format!("{} {}", d.source, place.join(" ")) };
    let _ = writeln!(x, r#"    <testcase classname="tally.inputs" name="{}" time="0">"#, escape(&name));
    let _ = writeln!(
        x,
        r#"      <error message="{}" type="partial-data">{}</error>"#,
        escape(&d.message),
        escape_text(&d.message)
    );
    x.push_str("    </testcase>\n");
}

/// Escape an XML 1.0 attribute value. Line breaks and tabs become character references, so
/// attribute-value normalisation cannot turn them into spaces.
pub(crate) fn escape(s: &str) -> String {
    text::escape(s, Markup::XmlAttribute)
}

/// Escape XML 1.0 character data; quotes, line breaks and tabs stay as they are, except `\r`,
/// which a parser would otherwise fold into `\n`. Characters XML 1.0 cannot carry at all
/// become U+FFFD.
pub(crate) fn escape_text(s: &str) -> String {
    text::escape(s, Markup::XmlText)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_quotes_breaks_and_forbidden_characters() {
        assert_eq!(escape(r#"a<b>&"c'"#), "a&lt;b&gt;&amp;&quot;c&apos;");
        assert_eq!(escape("x\ny\r\tz"), "x&#10;y&#13;&#9;z");
        assert_eq!(escape("bell\u{7}\u{ffff}"), "bell\u{fffd}\u{fffd}");
        assert_eq!(escape("ünïcode ✓"), "ünïcode ✓");
        assert_eq!(escape_text("x\ny\r\tz<\"'"), "x\ny&#13;\tz&lt;\"'");
    }
}
