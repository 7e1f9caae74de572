//! Every plan, state and show-state file of the shared Terraform corpus
//! (`../shared/corpus/terraform/SOURCES.tsv`) loads, and the number loaded per kind is exactly
//! what the corpus lists, so a file that goes missing fails the test. Each file also yields the
//! number of resources SOURCES.tsv gives for it (its `resources` column counts resource blocks
//! of a state file, instances of a show-state file, and planned resources of a plan).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Map, Value};
use tally::model::{ResourceMode, TfResource};
use tally::terraform::identity::{self, Arn, IdentityContext};
use tally::terraform::plan::parse_plan;
use tally::terraform::provider;
use tally::terraform::state::parse_state;
use tally::terraform::taggable::is_taggable;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/terraform");

/// Files per `kind` column of SOURCES.tsv.
const EXPECTED: [(&str, usize); 3] = [("plan", 171), ("show-state", 8), ("state-v4", 110)];

/// Plans with no `resource_changes` (nothing changes, or a tool wrote only `planned_values`):
/// they load with no resources, since only changes are audited in a plan.
const PLANS_WITHOUT_CHANGES: usize = 11;

struct Source {
    local_path: String,
    kind: String,
    /// The `resources` column: resource changes of a plan, resource instances of a state.
    resources: usize,
}

fn sources() -> Vec<Source> {
    let tsv =
        std::fs::read_to_string(Path::new(CORPUS).join("SOURCES.tsv")).expect("SOURCES.tsv is readable");
    let mut lines = tsv.lines();
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let (path_col, kind_col, resources_col) = (col("local_path"), col("kind"), col("resources"));
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Source {
                local_path: f[path_col].to_string(),
                kind: f[kind_col].to_string(),
                resources: f[resources_col].parse().unwrap_or(0),
            }
        })
        .collect()
}

#[test]
fn every_corpus_file_loads() {
    let mut loaded: BTreeMap<String, usize> = BTreeMap::new();
    let mut plans_without_changes = 0;
    let mut failures = Vec::new();
    for source in sources() {
        let path = Path::new(CORPUS).join(&source.local_path);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let count = match source.kind.as_str() {
            // Other providers' resources are counted, not read: together they are the file's.
            "plan" => parse_plan(&path, &bytes).map(|p| p.resources.len() + p.other_provider_resources),
            "state-v4" => parse_state(&path, &bytes)
                .map(|s| resource_blocks(&s.resources) + other_provider_blocks(&bytes)),
            "show-state" => {
                parse_state(&path, &bytes).map(|s| s.resources.len() + s.other_provider_resources)
            }
            // The provider schema is neither a plan nor a state.
            _ => continue,
        };
        match count {
            Ok(n) if n == source.resources => *loaded.entry(source.kind).or_default() += 1,
            Ok(0)
                if source.kind == "plan"
                    && !String::from_utf8_lossy(&bytes).contains("\"resource_changes\"") =>
            {
                plans_without_changes += 1;
                *loaded.entry(source.kind).or_default() += 1;
            }
            Ok(n) => failures
                .push(format!("{}: {n} resources, SOURCES.tsv says {}", source.local_path, source.resources)),
            Err(e) => failures.push(e.to_string()),
        }
    }
    assert!(failures.is_empty(), "{} files failed:\n{}", failures.len(), failures.join("\n"));
    let expected: BTreeMap<String, usize> = EXPECTED.iter().map(|(k, n)| (k.to_string(), *n)).collect();
    assert_eq!(loaded, expected);
    assert_eq!(plans_without_changes, PLANS_WITHOUT_CHANGES);
}

/// Resource blocks (instances of one `count`/`for_each` counted once).
fn resource_blocks(resources: &[TfResource]) -> usize {
    let blocks: BTreeSet<_> =
        resources.iter().map(|r| (&r.module, r.mode, &r.resource_type, &r.name)).collect();
    blocks.len()
}

/// Resource blocks (with instances) of a v4 state whose provider is not AWS: the reader skips
/// them and counts their instances, SOURCES.tsv counts blocks.
fn other_provider_blocks(bytes: &[u8]) -> usize {
    let json: Value = serde_json::from_slice(bytes).expect("json");
    json["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["instances"].as_array().is_some_and(|i| !i.is_empty()))
        .filter(|r| {
            // `provider["registry.terraform.io/hashicorp/google"]` or legacy `provider.google`.
            let provider = r["provider"].as_str().unwrap_or_default();
            let source = match provider.split_once("[\"") {
                Some((_, rest)) => rest.split('"').next().unwrap_or_default(),
                None => {
                    provider.rsplit("provider.").next().unwrap_or_default().split('.').next().unwrap_or("")
                }
            };
            let ty = r["type"].as_str().unwrap_or_default();
            !provider::is_aws_resource(ty, Some(source).filter(|s| !s.is_empty()))
        })
        .count()
}

/// Taggable AWS instances in the corpus states whose ARN cannot be known: their files hold no
/// ARN to take the account from, and we do not guess one.
const TAGGABLE_WITHOUT_ARN: [&str; 3] = ["aws_appautoscaling_target", "aws_eip", "aws_nat_gateway"];

#[test]
fn taggable_state_instances_get_an_arn() {
    let mut with_arn = 0;
    let mut without: BTreeSet<String> = BTreeSet::new();
    for source in sources().into_iter().filter(|s| s.kind == "state-v4" || s.kind == "show-state") {
        let path = Path::new(CORPUS).join(&source.local_path);
        let state = std::fs::read(&path).ok().and_then(|b| parse_state(&path, &b).ok()).expect("loads");
        for r in state
            .resources
            .iter()
            .filter(|r| r.mode == ResourceMode::Managed && is_taggable(&r.resource_type))
        {
            match &r.arn {
                Some(arn) => {
                    with_arn += 1;
                    assert!(Arn::parse(arn).is_some(), "{}: {arn}", r.address);
                }
                None => {
                    without.insert(r.resource_type.clone());
                }
            }
        }
    }
    assert_eq!(without, TAGGABLE_WITHOUT_ARN.iter().map(|s| s.to_string()).collect());
    assert!(with_arn >= 120, "{with_arn}");
}

/// Checks the pattern table against real data: wherever a state instance carries its `arn`,
/// the ARN built from the pattern (with the `arn` attribute removed) must be the same.
#[test]
fn patterns_rebuild_the_arns_states_carry() {
    let mut compared = 0;
    let mut mismatches = Vec::new();
    for source in sources().into_iter().filter(|s| s.kind == "state-v4") {
        let path = Path::new(CORPUS).join(&source.local_path);
        let json: Value = serde_json::from_slice(&std::fs::read(&path).expect("readable")).expect("json");
        let instances: Vec<(&str, &Map<String, Value>)> = json["resources"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|r| {
                let ty = r["type"].as_str().unwrap_or_default();
                r["instances"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(move |i| Some((ty, i["attributes"].as_object()?)))
            })
            .collect();
        let ctx = IdentityContext::infer(instances.iter().flat_map(|(_, a)| identity::literal_arns(a)));
        for (ty, attrs) in instances {
            let Some(real) = identity::own_arn_attribute(ty, attrs) else { continue };
            let mut without = attrs.clone();
            without.remove("arn");
            if let Some(built) = identity::resolve_arn(ty, &without, &ctx) {
                compared += 1;
                if built != real {
                    mismatches.push(format!("{ty}: built {built}, state has {real}"));
                }
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    assert!(compared >= 70, "{compared}");
}

/// The CI gate on real plans: `tally plan` exits 0 or 1 on every one, never 2 (input error) or
/// a panic, with a tag policy that has something to check.
#[test]
fn plan_gate_runs_on_every_corpus_plan() {
    let plans: Vec<Source> = sources().into_iter().filter(|s| s.kind == "plan").collect();
    assert_eq!(plans.len(), 171);
    let mut by_code: BTreeMap<i32, usize> = BTreeMap::new();
    for plan in &plans {
        let path = Path::new(CORPUS).join(&plan.local_path);
        let path = path.to_string_lossy();
        let run = crate::support::tally(&["plan", &path, "--required-tag", "team", "--format", "json"]);
        assert!(run.code == 0 || run.code == 1, "{path}: exit {}\n{}", run.code, run.stderr);
        assert!(!run.stderr.contains("panicked"), "{path}: {}", run.stderr);
        let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON report");
        assert_eq!(report["command"], "plan");
        *by_code.entry(run.code).or_default() += 1;
    }
    // Real plans create untagged resources: the gate must actually fire on some.
    assert!(by_code.get(&1).copied().unwrap_or(0) > 50, "{by_code:?}");
}
