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
    // The daily chart and one burn chart per budget, each drawn for a wide and a narrow page.
    for layout in ["wide", "narrow"] {
        assert_eq!(count(&dom, &format!("<svg class=\"chart daily {layout}\"")), 1, "daily chart");
        assert_eq!(
            count(&dom, &format!("<svg class=\"chart burn {layout}\"")),
            3,
            "one burn chart per budget"
        );
    }
    // Both weeks the mover compares (14 days) x 4 series present (web, payments, data,
    // untagged; no untaggable charge those weeks), twice.
    assert_eq!(count(&dom, "<rect class=\"bar\""), 2 * 14 * 4);
    for series in ["owner:web", "owner:payments", "owner:data", "untagged"] {
        assert_eq!(
            count(&dom, &format!("data-series=\"{series}\"")),
            2 * 14 + 1,
            "{series}: 14 bars in each chart and a legend entry"
        );
    }
    assert_eq!(count(&dom, "data-date=\"2026-11-04\""), 2, "the week before starts on the 4th");
    assert_eq!(count(&dom, "class=\"legend-item\""), 4);
    for class in ["burn-actual", "burn-limit", "burn-projection"] {
        assert_eq!(count(&dom, &format!("<path class=\"{class}")), 6, "{class}");
    }
    assert_eq!(
        count(&dom, "<g class=\"burn-runout\" data-date=\"2026-11-27\""),
        2,
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

/// Measures the page as rendered: the smallest text actually drawn (SVG text times the scale
/// its chart is drawn at) and whether the page is wider than its viewport. Runs in a harness
/// page that frames the review at the given width (`srcdoc`: same origin, so it can look
/// inside; headless Chromium's window is never narrower than 500 px, a frame can be).
const MEASURE: &str = r#"
function measure(frame) {
  var doc = frame.contentDocument, win = frame.contentWindow;
  var min = 1e9, minText = "", count = 0, n;
  var walker = doc.createTreeWalker(doc.body, NodeFilter.SHOW_TEXT);
  while ((n = walker.nextNode())) {
    var el = n.parentElement;
    if (!n.textContent.trim() || !el || el.closest("title,style,script")) continue;
    if (el.getClientRects().length === 0) continue;
    var size = parseFloat(win.getComputedStyle(el).fontSize);
    if (el.ownerSVGElement) {
      var ctm = el.getScreenCTM();
      if (ctm) size = size * Math.hypot(ctm.a, ctm.b);
    }
    count++;
    if (size < min) { min = size; minText = n.textContent.trim().slice(0, 40); }
  }
  var sections = Array.prototype.map.call(doc.querySelectorAll("h2"), function (h) { return h.textContent; });
  var result = {
    viewport: win.innerWidth,
    scroll_width: doc.documentElement.scrollWidth,
    height: doc.documentElement.scrollHeight,
    texts: count,
    min_font_px: min,
    min_font_text: minText,
    sections: sections
  };
  var pre = document.createElement("pre");
  pre.id = "measure";
  pre.textContent = JSON.stringify(result);
  document.body.appendChild(pre);
}
"#;

fn harness(page: &str, width: u32) -> String {
    let srcdoc = page.replace('&', "&amp;").replace('"', "&quot;");
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><script>{MEASURE}</script></head>\
         <body style=\"margin:0\"><iframe onload=\"measure(this)\" style=\"border:0;width:{width}px;height:4000px\" \
         srcdoc=\"{srcdoc}\"></iframe></body></html>"
    )
}

/// The bundled example's review read as a reviewer would, at a desktop width and on a phone:
/// every section, no text under 9 px, nothing wider than the screen; and a screenshot of each.
#[test]
fn the_example_review_reads_at_1400_and_400_px() {
    let dir = std::env::temp_dir().join(format!("tally-chromium-widths-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("review.html");
    let run = tally(&["report", "terraform-examples/acme", "-o", page.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html = std::fs::read_to_string(&page).unwrap();
    for width in [1400u32, 400] {
        let frame = dir.join(format!("frame-{width}.html"));
        std::fs::write(&frame, harness(&html, width)).unwrap();
        let url = format!("file://{}", frame.display());
        let out = browser(&dir.join("profile"))
            .arg(format!("--window-size={},1200", width.max(500)))
            .arg("--dump-dom")
            .arg(&url)
            .output()
            .expect("chromium runs");
        assert!(out.status.success(), "chromium: {}", String::from_utf8_lossy(&out.stderr));
        let dom = String::from_utf8(out.stdout).unwrap();
        let start = dom.find("<pre id=\"measure\">").expect("the harness measured the page") + 18;
        let end = start + dom[start..].find("</pre>").unwrap();
        let json = dom[start..end].replace("&quot;", "\"").replace("&amp;", "&");
        let m: serde_json::Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
        assert_eq!(m["viewport"], width, "{m}");
        assert!(m["texts"].as_u64().unwrap() > 150, "{width} px: the page has its text: {m}");
        let min = m["min_font_px"].as_f64().unwrap();
        assert!(min >= 9.0, "{width} px: text drawn at {min:.1} px ({}): {m}", m["min_font_text"]);
        assert!(
            m["scroll_width"].as_u64().unwrap() <= u64::from(width),
            "{width} px: the page overflows horizontally: {m}"
        );
        let sections: Vec<&str> =
            m["sections"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
        for wanted in [
            "Daily spend by team",
            "Week-over-week movers",
            "Spend by team",
            "Unmanaged spend",
            "Budget burn",
            "Coverage",
            "Findings",
        ] {
            assert!(sections.contains(&wanted), "{width} px: no {wanted:?} in {sections:?}");
        }

        let png = dir.join(format!("review-{width}.png"));
        let height = m["height"].as_u64().unwrap().clamp(1000, 6000);
        let out = browser(&dir.join("profile"))
            .arg(format!("--screenshot={}", png.display()))
            .arg(format!("--window-size={},{height}", width.max(500)))
            .arg(&url)
            .output()
            .expect("chromium runs");
        assert!(out.status.success(), "chromium --screenshot: {}", String::from_utf8_lossy(&out.stderr));
        let bytes = std::fs::read(&png).expect("a screenshot was written");
        assert_eq!(png_size(&bytes).0, width.max(500));
        assert!(bytes.len() > 50_000, "{width} px: screenshot of {} bytes looks empty", bytes.len());
    }
    let _ = std::fs::remove_dir_all(&dir);
}
