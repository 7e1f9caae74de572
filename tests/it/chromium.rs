//! The review's HTML rendered by a real browser: headless Chromium (Debian `chromium`, installed
//! by scripts/test) loads the page from a file, and the rendered DOM must hold the charts; a
//! screenshot must be a real picture. Without Chromium this test fails: it never passes silently.
//!
//! `TALLY_UPDATE_SCREENSHOT=1` also writes the screenshot to docs/report-screenshot.png.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::review::FIXTURE;
use crate::support::{repo, tally};

fn chromium() -> PathBuf {
    let from_env = std::env::var_os("CHROMIUM").map(PathBuf::from);
    let found = from_env.or_else(|| {
        ["chromium", "chromium-browser"].iter().find_map(|name| {
            std::env::var_os("PATH")?
                .to_str()?
                .split(':')
                .map(|dir| Path::new(dir).join(name))
                .find(|p| p.is_file())
        })
    });
    found.unwrap_or_else(|| {
        panic!(
            "headless Chromium is required to test the HTML report and was not found on PATH \
             (nor in $CHROMIUM). Install it: `apt-get install -y chromium` (scripts/test does this)."
        )
    })
}

/// Chromium with everything that could reach the network or the user's profile turned off.
fn browser(profile: &Path) -> Command {
    let mut cmd = Command::new(chromium());
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    cmd
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.len() > 24 && bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

#[test]
fn the_report_renders_its_charts_in_headless_chromium() {
    let dir = std::env::temp_dir().join(format!("tally-chromium-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("review.html");
    let run = tally(&["report", FIXTURE, "-o", page.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let url = format!("file://{}", page.display());

    let out = browser(&dir.join("profile")).arg("--dump-dom").arg(&url).output().expect("chromium runs");
    assert!(out.status.success(), "chromium --dump-dom failed: {}", String::from_utf8_lossy(&out.stderr));
    let dom = String::from_utf8(out.stdout).expect("UTF-8 DOM");
    // The daily chart and one burn chart per budget.
    assert_eq!(count(&dom, "<svg class=\"chart daily\""), 1, "daily chart");
    assert_eq!(count(&dom, "<svg class=\"chart burn\""), 3, "one burn chart per budget");
    // 7 days x 4 series present (web, payments, data, untagged; no untaggable charge that week).
    assert_eq!(count(&dom, "<rect class=\"bar\""), 7 * 4);
    for series in ["owner:web", "owner:payments", "owner:data", "untagged"] {
        assert_eq!(
            count(&dom, &format!("data-series=\"{series}\"")),
            7 + 1,
            "{series}: 7 bars and a legend entry"
        );
    }
    assert_eq!(count(&dom, "class=\"legend-item\""), 4);
    for class in ["burn-actual", "burn-limit", "burn-projection"] {
        assert_eq!(count(&dom, &format!("<path class=\"{class}\"")), 3, "{class}");
    }
    assert_eq!(
        count(&dom, "<g class=\"burn-runout\" data-date=\"2026-11-27\""),
        1,
        "web runs out on the 27th"
    );
    assert!(dom.contains("Week-over-week movers") && dom.contains("+1,643.03 USD (+138.7%)"));

    let png = dir.join("review.png");
    let out = browser(&dir.join("profile"))
        .arg(format!("--screenshot={}", png.display()))
        .arg("--window-size=1280,2000")
        .arg(&url)
        .output()
        .expect("chromium runs");
    assert!(out.status.success(), "chromium --screenshot failed: {}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(&png).expect("a screenshot was written");
    assert_eq!(png_size(&bytes), (1280, 2000));
    // A blank page compresses to a few kilobytes; charts, text and colour do not.
    assert!(bytes.len() > 50_000, "screenshot of {} bytes looks empty", bytes.len());
    if std::env::var_os("TALLY_UPDATE_SCREENSHOT").is_some() {
        std::fs::write(repo().join("docs/report-screenshot.png"), &bytes).unwrap();
    }
    let _ = std::fs::remove_dir_all(&dir);
}
