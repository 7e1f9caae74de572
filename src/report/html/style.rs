//! The page's stylesheet, inlined into `<style>`: no network, no scripts. Sizes are chosen so
//! no text renders under 9 px at 400 px wide (checked in headless Chromium).

pub(super) const CSS: &str = r#"
:root{--ink:#1d2330;--muted:#667085;--line:#e4e7ec;--bg:#f6f7f9;--card:#fff;--bad:#c62f2f;--good:#2f8f4e;--accent:#4269d0}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 "Inter","Segoe UI",Roboto,"Helvetica Neue",Arial,"DejaVu Sans",sans-serif}
main{max-width:1120px;margin:0 auto;padding:32px 32px 48px}
header{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:24px 28px;margin-bottom:20px}
.eyebrow{margin:0;color:var(--accent);font-weight:600;text-transform:uppercase;letter-spacing:.06em;font-size:12px}
h1{margin:4px 0 2px;font-size:28px;line-height:1.2}
.meta{margin:0 0 12px;color:var(--muted);font-size:13px}
.verdict{margin:0;font-size:16px;max-width:78ch}
h2{font-size:17px;margin:0 0 12px}
section{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:20px 24px;margin-bottom:20px}
.tiles{display:grid;grid-template-columns:repeat(6,1fr);gap:12px;background:none;border:0;padding:0}
.tile{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:14px 16px}
.tile .label{color:var(--muted);font-size:11.5px;text-transform:uppercase;letter-spacing:.03em;min-height:2.7em;line-height:1.35}
.tile .value{font-size:24px;font-weight:650;margin:4px 0 2px;white-space:nowrap}
.tile .value small{font-size:14px;color:var(--muted);font-weight:400}
.tile .note{color:var(--muted);font-size:12px;line-height:1.35}
.tile.bad{border-top:4px solid var(--bad)} .tile.good{border-top:4px solid var(--good)}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:20px}
.cols section{margin-bottom:20px} .cols>section,.burns>figure{min-width:0}
table{border-collapse:collapse;width:100%;font-size:14px}
th{text-align:left;color:var(--muted);font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.03em;border-bottom:1px solid var(--line);padding:6px 8px}
td{border-bottom:1px solid var(--line);padding:7px 8px;vertical-align:top}
tr:last-child td{border-bottom:0}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.up{color:var(--bad);font-weight:600} .down{color:var(--good);font-weight:600}
.muted{color:var(--muted)} .mono{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12.5px;word-break:break-all}
.warn{color:var(--bad)}
.caption,.note,.empty{color:var(--muted);font-size:13px;margin:4px 0 10px}
.barcell{width:38%} .hbar{display:block;height:10px;border-radius:5px;background:var(--accent);margin-top:6px}
tr.untagged .hbar{background:#d64545} tr.untaggable .hbar{background:#b9b9b9}
tr.total td{font-weight:650;border-top:2px solid var(--line)}
.chart{display:block;font-size:12px} .chart.narrow{display:none}
.chart .before{fill:#eef1f6} .chart .tick.band{font-size:11px;text-anchor:start}
.scroll{overflow-x:auto;max-width:100%}
.tag{display:inline-block;padding:0 6px;border-radius:8px;background:#e4ecfb;color:#2c4d9c;font-size:11px;font-family:inherit;word-break:normal}
tr.exempted td{color:var(--muted)}
table.trend td,table.trend th{white-space:nowrap} tr.group td{font-weight:650;padding-top:14px;color:var(--muted)}
td.state.over{color:var(--bad);font-weight:650} td.state.trouble{color:#8a5a00;font-weight:600}
.chart .grid{stroke:var(--line);stroke-width:1} .chart .grid.zero{stroke:#98a2b3}
.chart .tick{fill:var(--muted);font-size:12px} .chart .tick.y{text-anchor:end} .chart .tick.x{text-anchor:middle}
.chart .tick.sub{font-size:11px}
.chart .total{fill:var(--ink);font-size:11.5px;text-anchor:middle;font-weight:600}
.legend{list-style:none;display:flex;flex-wrap:wrap;gap:6px 18px;margin:10px 0 0;padding:0;font-size:13px}
.legend li{display:flex;align-items:center;gap:6px}
.swatch{display:inline-block;width:12px;height:12px;border-radius:3px}
.burns{display:grid;grid-template-columns:1fr 1fr;gap:16px}
figure{margin:0;border:1px solid var(--line);border-radius:10px;padding:12px 14px}
figure.trouble,figure.over{border-color:#f0b4b4;background:#fffafa}
figcaption{font-size:13px;margin-bottom:6px}
.burn-actual{fill:none;stroke:var(--accent);stroke-width:2.5} .burn-actual.over{stroke:var(--bad)}
figure.over .progress span{background:var(--bad)}
.burn-limit{fill:none;stroke:var(--bad);stroke-width:1.5;stroke-dasharray:6 4}
.burn-projection{fill:none;stroke:var(--accent);stroke-width:2;stroke-dasharray:4 4;opacity:.7}
.burn-runout line{stroke:var(--bad);stroke-width:1;stroke-dasharray:2 3} .burn-runout circle{fill:var(--bad)}
.burn-runout text{fill:var(--bad);font-size:12px;font-weight:600;text-anchor:end}
.line-label{fill:var(--bad);font-size:11.5px}
.today{stroke:#98a2b3;stroke-width:1} .today-label{font-size:11px}
.progress{height:12px;background:var(--line);border-radius:6px;overflow:hidden}
.progress span{display:block;height:100%;background:var(--accent)}
.stack{display:flex;height:18px;border-radius:9px;overflow:hidden;background:var(--line)}
.stack .managed,.swatch.managed{background:#3ca951} .stack .owned,.swatch.owned{background:#97bbf5}
.stack .unmanaged,.swatch.unmanaged{background:#d64545}
.sev{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600}
.sev.error{background:#fde2e2;color:#a11d1d} .sev.warning{background:#fdf0d5;color:#8a5a00} .sev.info{background:#e4ecfb;color:#2c4d9c}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:8px}
@media (max-width:900px){.tiles{grid-template-columns:repeat(2,1fr)}.cols,.burns{grid-template-columns:1fr}}
@media (max-width:600px){main{padding:12px 10px 24px}header{padding:16px}section{padding:14px 12px}
h1{font-size:22px}.tile{padding:10px 12px}.tile .value{font-size:18px;white-space:normal}
.chart.wide{display:none}.chart.narrow{display:block}.cols{display:block}figure{padding:10px 8px}
table{font-size:13px}}
@media print{body{background:#fff}section,header,.tile{break-inside:avoid}}
"#;
