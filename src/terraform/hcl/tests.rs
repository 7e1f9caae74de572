//! Tests of the code reader against fixture modules in `tests/fixtures/hcl/`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::*;
use crate::model::{IndexKey, Layer, ResourceMode, TagValue};

fn fixture(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hcl").join(case)
}

fn load_with(case: &str, var_files: &[&str]) -> CodeModel {
    let opts = CodeOptions {
        var_files: var_files.iter().map(|f| fixture(case).join(f)).collect(),
        ..CodeOptions::default()
    };
    match load_code(&fixture(case), &opts) {
        Ok(model) => model,
        Err(e) => panic!("{case}: {e}"),
    }
}

fn load(case: &str) -> CodeModel {
    load_with(case, &[])
}

fn get<'m>(model: &'m CodeModel, address: &str) -> &'m TfResource {
    match model.resources.iter().find(|r| r.address == address) {
        Some(r) => r,
        None => {
            let all: Vec<&str> = model.resources.iter().map(|r| r.address.as_str()).collect();
            panic!("no resource {address}; have {all:?}")
        }
    }
}

/// Tags as `key -> value`, with `?` for an unknown value.
fn tags(r: &TfResource) -> BTreeMap<&str, &str> {
    r.tags.tags.iter().map(|(k, v)| (k.as_str(), v.known().unwrap_or("?"))).collect()
}

fn expect(pairs: &[(&'static str, &'static str)]) -> BTreeMap<&'static str, &'static str> {
    pairs.iter().copied().collect()
}

/// `file:line:col` with the file relative to the fixture directory.
fn at(loc: Option<&SourceLocation>, case: &str) -> String {
    let Some(loc) = loc else { return "none".into() };
    let prefix = format!("{}/", fixture(case).display());
    loc.to_string().trim_start_matches(&prefix).to_string()
}

#[test]
fn provider_default_tags_tfvars_and_var_files() {
    let m = load_with("defaults", &["extra.tfvars"]);
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    let logs = get(&m, "aws_s3_bucket.logs");
    // terraform.tfvars < b.auto.tfvars < --var-file; the resource's tags win over default_tags.
    assert_eq!(
        tags(logs),
        expect(&[
            ("CostCenter", "cc-42"),
            ("Environment", "prod"),
            ("Name", "logs-prod"),
            ("Owner", "from-auto")
        ])
    );
    assert!(logs.tags.complete);
    assert_eq!(logs.layer, Layer::Code);
    assert_eq!(logs.provider, "aws");
    assert_eq!(logs.region.as_deref(), Some("eu-west-1"));
    assert_eq!(at(logs.location.as_ref(), "defaults"), "main.tf:43:1");
    assert_eq!(at(logs.tags_location.as_ref(), "defaults"), "main.tf:45:3");

    let plain = get(&m, "aws_s3_bucket.plain");
    assert_eq!(tags(plain), expect(&[("Environment", "prod"), ("Owner", "from-auto")]));
    assert_eq!(plain.tags_location, plain.location);
}

#[test]
fn var_file_is_optional_and_defaults_apply() {
    let m = load("defaults");
    assert_eq!(tags(get(&m, "aws_s3_bucket.logs")).get("CostCenter"), Some(&"cc-0"));
}

#[test]
fn missing_var_file_is_an_input_error() {
    let opts =
        CodeOptions { var_files: vec![fixture("defaults").join("nope.tfvars")], ..CodeOptions::default() };
    assert!(load_code(&fixture("defaults"), &opts).is_err());
}

#[test]
fn provider_alias() {
    let m = load("defaults");
    let west = get(&m, "aws_s3_bucket.west");
    assert_eq!(west.provider, "aws.west");
    assert_eq!(west.region.as_deref(), Some("us-west-2"));
    assert_eq!(tags(west), expect(&[("Owner", "override"), ("Region", "us-west-2")]));
}

#[test]
fn unknown_tags_keep_default_keys_with_unknown_values() {
    let m = load("defaults");
    let r = get(&m, "aws_instance.from_data");
    assert!(!r.tags.complete);
    assert_eq!(tags(r), expect(&[("Environment", "?"), ("Owner", "?")]));
    assert_eq!(r.tags.presence("Owner"), crate::model::TagPresence::Present(&TagValue::Unknown));
    assert_eq!(r.tags.presence("CostCenter"), crate::model::TagPresence::Unknown);

    // merge({Name}, unknown, {Team}): Name may be overridden, Team is exact, more keys possible.
    let r = get(&m, "aws_instance.partly");
    assert!(!r.tags.complete);
    assert_eq!(tags(r), expect(&[("Environment", "?"), ("Name", "?"), ("Owner", "?"), ("Team", "x")]));
}

#[test]
fn data_sources_and_sorting() {
    let m = load("defaults");
    let d = get(&m, "data.aws_caller_identity.current");
    assert_eq!(d.mode, ResourceMode::Data);
    assert!(d.tags.tags.is_empty() && d.tags.complete);
    let addresses: Vec<&str> = m.resources.iter().map(|r| r.address.as_str()).collect();
    let mut sorted = addresses.clone();
    sorted.sort();
    assert_eq!(addresses, sorted);
}

#[test]
fn s3_backend() {
    let m = load("defaults");
    assert_eq!(m.s3_backends.len(), 1);
    let b = &m.s3_backends[0];
    assert_eq!(b.bucket, "state-bucket");
    assert_eq!(b.key, "envs/prod/terraform.tfstate");
    assert_eq!(b.region.as_deref(), Some("eu-west-1"));
    assert_eq!(at(Some(&b.location), "defaults"), "main.tf:2:3");
}

#[test]
fn count_and_for_each() {
    let m = load("expand");
    let c0 = get(&m, "aws_s3_bucket.counted[0]");
    assert_eq!(c0.index, Some(IndexKey::Int(0)));
    assert_eq!(tags(c0), expect(&[("Name", "counted-0")]));
    assert_eq!(tags(get(&m, "aws_s3_bucket.counted[1]")), expect(&[("Name", "counted-1")]));
    assert!(!m.resources.iter().any(|r| r.name == "none"), "count = 0 has no instances");

    let alpha = get(&m, r#"aws_s3_bucket.mapped["alpha"]"#);
    assert_eq!(alpha.index, Some(IndexKey::Str("alpha".into())));
    assert_eq!(tags(alpha), expect(&[("Name", "alpha"), ("Team", "a")]));
    assert_eq!(tags(get(&m, r#"aws_s3_bucket.mapped["beta"]"#)), expect(&[("Name", "beta"), ("Team", "b")]));
    assert_eq!(tags(get(&m, r#"aws_s3_bucket.set["x"]"#)), expect(&[("Name", "set-x")]));
    assert_eq!(tags(get(&m, r#"aws_s3_bucket.set["y"]"#)), expect(&[("Name", "set-y")]));
}

#[test]
fn unknown_count_and_for_each_give_one_wildcard_resource() {
    let m = load("expand");
    for address in ["aws_s3_bucket.unknown_count[*]", "aws_s3_bucket.unknown_each[*]"] {
        let r = get(&m, address);
        assert_eq!(r.index, None);
        assert!(r.tags.complete, "{address}: the key set is known");
        assert_eq!(tags(r), expect(&[("Fixed", "yes"), ("Name", "?")]));
    }
}

#[test]
fn evaluation_error_is_a_diagnostic_and_unknown_tags() {
    let m = load("expand");
    let r = get(&m, "aws_s3_bucket.bad_tags");
    assert!(!r.tags.complete);
    assert_eq!(m.diagnostics.len(), 1, "{:?}", m.diagnostics);
    let d = &m.diagnostics[0];
    assert_eq!(d.source, "hcl");
    assert_eq!(at(d.location.as_ref(), "expand"), "main.tf:38:3");
    assert!(d.message.contains("aws_s3_bucket.bad_tags"), "{}", d.message);
}

#[test]
fn autoscaling_group_uses_tag_blocks_not_default_tags() {
    let m = load("asg");
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    let web = get(&m, "aws_autoscaling_group.web");
    assert!(web.tags.complete);
    assert_eq!(tags(web), expect(&[("Env", "prod"), ("Name", "web"), ("Team", "web")]));
    assert_eq!(at(web.tags_location.as_ref(), "asg"), "main.tf:15:3");

    let dynamic = get(&m, "aws_autoscaling_group.dyn_unknown");
    assert!(!dynamic.tags.complete);
    assert!(dynamic.tags.tags.is_empty());
}

#[test]
fn local_modules_with_inputs_and_inherited_providers() {
    let m = load("modules");
    let app = get(&m, "module.app.aws_s3_bucket.this");
    assert_eq!(app.module, "module.app");
    assert_eq!(
        tags(app),
        expect(&[("Extra", "1"), ("Name", "app1"), ("Owner", "root"), ("Project", "demo")])
    );
    let file = app.location.as_ref().map(|l| l.file.clone()).unwrap_or_default();
    assert_eq!(file, format!("{}/modules/app/main.tf", fixture("modules").display()));

    let inner = get(&m, "module.app.module.inner.aws_sqs_queue.q");
    assert_eq!(inner.module, "module.app.module.inner");
    assert_eq!(tags(inner), expect(&[("Name", "app1-inner"), ("Owner", "root")]));
}

#[test]
fn module_for_each_expands() {
    let m = load("modules");
    let a = get(&m, r#"module.each["a"].aws_s3_bucket.this"#);
    assert_eq!(a.module, r#"module.each["a"]"#);
    assert_eq!(tags(a), expect(&[("Name", "svc-a"), ("Owner", "root")]));
    let b = get(&m, r#"module.each["b"].module.inner.aws_sqs_queue.q"#);
    assert_eq!(tags(b), expect(&[("Name", "svc-b-inner"), ("Owner", "root")]));
}

#[test]
fn module_providers_remap() {
    let m = load("modules");
    assert_eq!(
        tags(get(&m, "module.east.aws_s3_bucket.this")),
        expect(&[("Name", "east"), ("Owner", "east")])
    );
    // The remapped `aws` is the default provider of the child, so grandchildren inherit it.
    let inner = get(&m, "module.east.module.inner.aws_sqs_queue.q");
    assert_eq!(tags(inner), expect(&[("Name", "east-inner"), ("Owner", "east")]));
    assert_eq!(inner.provider, "aws");
}

#[test]
fn remote_missing_and_recursive_modules() {
    let m = load("modules");
    assert!(!m.resources.iter().any(|r| r.module.starts_with("module.vpc")));
    let messages: Vec<&str> = m.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages.iter().any(|msg| msg.starts_with("module missing: cannot read")), "{messages:?}");
    assert!(
        messages.iter().any(|msg| msg.starts_with("module again:") && msg.contains("calls itself")),
        "{messages:?}"
    );
    assert_eq!(get(&m, "module.loop.aws_sns_topic.t").module, "module.loop");
}

#[test]
fn parse_error_is_a_diagnostic_and_other_files_load() {
    let m = load("broken");
    assert_eq!(m.diagnostics.len(), 1, "{:?}", m.diagnostics);
    let d = &m.diagnostics[0];
    assert_eq!(d.source, "hcl");
    let loc = at(d.location.as_ref(), "broken");
    // hcl-edit reports where it gave up: the end of the unclosed block.
    assert_eq!(loc, "bad.tf:3:3");
    assert!(d.message.starts_with("cannot parse"), "{}", d.message);
    assert_eq!(tags(get(&m, "aws_s3_bucket.good")), expect(&[("Name", "good")]));
}

#[test]
fn utf8_bom_is_stripped() {
    let m = load("broken");
    let bom = get(&m, "aws_s3_bucket.bom");
    assert_eq!(tags(bom), expect(&[("Name", "bom")]));
    assert_eq!(at(bom.location.as_ref(), "broken"), "bom.tf:1:1");
}

#[test]
fn missing_directory_is_an_input_error() {
    assert!(load_code(&fixture("does-not-exist"), &CodeOptions::default()).is_err());
}

#[test]
fn relative_input_gives_relative_paths() {
    // Tests run in the crate directory, so this relative path resolves.
    let Ok(m) = load_code(Path::new("tests/fixtures/hcl/modules"), &CodeOptions::default()) else {
        panic!("loads")
    };
    let file = |address: &str| get(&m, address).location.as_ref().map(|l| l.file.clone()).unwrap_or_default();
    assert_eq!(file("module.app.aws_s3_bucket.this"), "tests/fixtures/hcl/modules/modules/app/main.tf");
    assert_eq!(
        file("module.app.module.inner.aws_sqs_queue.q"),
        "tests/fixtures/hcl/modules/modules/app/modules/inner/main.tf"
    );
    assert_eq!(normalise(Path::new("./a/../b/./c")), PathBuf::from("./b/c"));
    assert_eq!(normalise(Path::new("infra/modules/x/../../shared")), PathBuf::from("infra/shared"));
    assert_eq!(normalise(Path::new("../x")), PathBuf::from("../x"));
    assert_eq!(normalise(Path::new("a/..")), PathBuf::from("."));
}

#[test]
fn issue_14_resources_that_never_exist_are_not_read() {
    let m = load("issue14");
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    let addresses: Vec<&str> = m.resources.iter().map(|r| r.address.as_str()).collect();
    for never in ["max_zero", "unknown_and_false", "anytrue_empty", "equal_arms", "flattened"] {
        assert!(
            !addresses.iter().any(|a| a.starts_with(&format!("aws_s3_bucket.{never}"))),
            "{never} has count 0 or an empty for_each: {addresses:?}"
        );
    }
    assert!(!addresses.iter().any(|a| a.contains("lifecycle_configuration")), "{addresses:?}");
}

#[test]
fn issue_14_unknown_count_may_not_exist() {
    let m = load("issue14");
    let maybe = get(&m, "aws_s3_bucket.maybe[*]");
    assert!(maybe.may_not_exist);
    assert!(!get(&m, "aws_s3_bucket.both_branches").may_not_exist);
    assert!(!get(&m, r#"module.buckets.aws_s3_bucket.this["logs"]"#).may_not_exist);
}

#[test]
fn issue_14_key_in_both_branches_is_present() {
    let m = load("issue14");
    let r = get(&m, "aws_s3_bucket.both_branches");
    // Owner is set either way (value unknown); Name only in one branch, so the map is incomplete.
    assert_eq!(tags(r), expect(&[("Owner", "?")]));
    assert!(!r.tags.complete);
}

#[test]
fn issue_14_optional_object_attributes_take_defaults() {
    let m = load("issue14");
    let logs = get(&m, r#"module.buckets.aws_s3_bucket.this["logs"]"#);
    assert_eq!(tags(logs), expect(&[("Environment", "dev"), ("Replicas", "3")]));
    assert!(logs.tags.complete);
    let data = get(&m, r#"module.buckets.aws_s3_bucket.this["data"]"#);
    assert_eq!(tags(data), expect(&[("Environment", "dev"), ("Owner", "data-team"), ("Replicas", "3")]));
}

/// The fixture's AWS resources and their known tags, as `terraform plan` gives `tags_all`.
fn oracle(case: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let path = fixture(case).join("expected-tags.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// tally's managed resources and tags, in the oracle's shape (every tag must be known).
fn tally_tags(m: &CodeModel) -> BTreeMap<String, BTreeMap<String, String>> {
    m.resources
        .iter()
        .filter(|r| r.mode == ResourceMode::Managed)
        .map(|r| {
            assert!(r.tags.complete, "{}: tags incomplete", r.address);
            let tags = r.tags.tags.iter().map(|(k, v)| (k.clone(), v.known().unwrap_or("?").to_string()));
            (r.address.clone(), tags.collect())
        })
        .collect()
}

#[test]
fn override_files_merge_as_terraform_does() {
    let m = load("overrides");
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    assert_eq!(tally_tags(&m), oracle("overrides"));
    // The replaced tags point at the override file that won.
    let replaced = get(&m, "aws_s3_bucket.replaced");
    assert_eq!(at(replaced.tags_location.as_ref(), "overrides"), "z_override.tf:3:3");
    assert_eq!(at(replaced.location.as_ref(), "overrides"), "main.tf:26:1");
}

#[test]
fn override_of_a_block_that_does_not_exist_is_a_diagnostic() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let write = |name: &str, text: &str| {
        std::fs::write(dir.path().join(name), text).unwrap_or_else(|e| panic!("{e}"));
    };
    write("main.tf", "resource \"aws_s3_bucket\" \"a\" {\n  tags = { owner = \"x\" }\n}\n");
    write("override.tf", "resource \"aws_s3_bucket\" \"b\" {\n  tags = {}\n}\n");
    let m = load_code(dir.path(), &CodeOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.resources.len(), 1);
    assert_eq!(m.diagnostics.len(), 1, "{:?}", m.diagnostics);
    let message = &m.diagnostics[0].message;
    assert!(message.contains("override of resource aws_s3_bucket b: no such block"), "{message}");
    assert!(m.diagnostics[0].location.as_ref().is_some_and(|l| l.line == Some(1)));
}

#[test]
fn json_variable_files_in_terraform_precedence_order() {
    let m = load_with("tfvars-json", &["extra.tfvars.json"]);
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    assert_eq!(tally_tags(&m), oracle("tfvars-json"));
}

#[test]
fn bad_json_variable_file_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let write = |name: &str, text: &str| {
        std::fs::write(dir.path().join(name), text).unwrap_or_else(|e| panic!("{e}"));
    };
    write(
        "main.tf",
        "variable \"o\" {}\nresource \"aws_s3_bucket\" \"a\" {\n  tags = { owner = var.o }\n}\n",
    );
    write("terraform.tfvars.json", "{\n  \"o\": \"x\",\n  \"p\": \n}\n");
    write("z.auto.tfvars.json", "[1]");
    let m = load_code(dir.path(), &CodeOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let found: Vec<String> = m
        .diagnostics
        .iter()
        .map(|d| {
            let loc = d.location.as_ref().map(|l| l.to_string()).unwrap_or_default();
            let file =
                Path::new(&loc).file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
            format!("{file} {}", d.message)
        })
        .collect();
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].starts_with("terraform.tfvars.json:4:1 cannot parse (JSON variables)"), "{found:?}");
    assert!(found[1]
        .starts_with("z.auto.tfvars.json:1:1 cannot parse (JSON variables): the root must be an object"));
    // The variable is unset, so its tag is unknown, not a guess.
    assert_eq!(tags(get(&m, "aws_s3_bucket.a")), expect(&[("owner", "?")]));
}

#[test]
fn provider_local_name_other_than_aws_for_hashicorp_aws() {
    let m = load("provider-rename");
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    assert_eq!(m.other_provider_resources, 0);
    assert_eq!(tally_tags(&m), oracle("provider-rename"));
    assert_eq!(get(&m, "aws_s3_bucket.aliased").region.as_deref(), Some("us-east-1"));
}

#[test]
fn local_name_aws_with_another_source_is_not_aws() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let write = |name: &str, text: &str| {
        std::fs::write(dir.path().join(name), text).unwrap_or_else(|e| panic!("{e}"));
    };
    write(
        "main.tf",
        r#"terraform {
  required_providers {
    aws    = { source = "example-corp/cloudthing" }
    realaws = { source = "registry.terraform.io/hashicorp/aws" }
  }
}
resource "aws_widget" "not_ours" {
  tags = ["a", "b"]
}
resource "aws_s3_bucket" "ours" {
  provider = realaws
  tags     = { owner = "x" }
}
"#,
    );
    write(
        "override.tf",
        "terraform {\n  required_providers {\n    realaws = { source = \"hashicorp/aws\" }\n  }\n}\n",
    );
    let m = load_code(dir.path(), &CodeOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    assert_eq!(m.other_provider_resources, 1);
    let addresses: Vec<&str> = m.resources.iter().map(|r| r.address.as_str()).collect();
    assert_eq!(addresses, ["aws_s3_bucket.ours"]);
}

/// Roots that share a module get from the cache exactly what parsing it gives them (resources,
/// the diagnostic of its file that does not parse), and the cache lets go of the module once the
/// last root it expected has loaded it.
#[test]
fn shared_modules_load_as_parsed_modules() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lint/shared");
    let module = normalise(&base.join("envs/a").join("../../modules/bucket"));
    let shared = SharedModules::new([(module.clone(), 3), (base.join("envs/a"), 1)]);
    assert_eq!(shared.len(), 1, "only what two or more roots load is kept");
    for (i, root) in ["envs/a", "envs/b", "envs/c"].iter().enumerate() {
        let dir = base.join(root);
        let alone = load_code(&dir, &CodeOptions::default()).unwrap();
        let with = load_code_shared(&dir, &CodeOptions::default(), Some(&shared)).unwrap();
        assert_eq!(with, alone, "{root}");
        assert_eq!(with.diagnostics.len(), 1, "{root}: {:?}", with.diagnostics);
        assert_eq!(with.resources.len(), usize::from(*root != "envs/b"), "{root}");
        // Parsed by the first root, kept for the next two, dropped after the third.
        assert_eq!(shared.get(&module).is_some(), i < 2, "{root}");
        assert_eq!(shared.len(), usize::from(i < 2), "{root}");
    }
}

/// A text the roots walk handed over is parsed instead of the file (once: it is taken), under
/// a relative or an absolute name, with its BOM dropped as the reader drops it.
#[test]
fn texts_from_the_walk_are_read_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("root");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("main.tf"), "resource \"aws_s3_bucket\" \"on_disk\" {}\n").unwrap();
    let cwd = std::env::current_dir().unwrap();
    let walked = "\u{feff}resource \"aws_s3_bucket\" \"walked\" {}\n".to_string();
    let mut walked = Some(walked);
    let listed = WalkedDir::new(vec![("main.tf".to_string(), false)], |_| walked.take());
    let shared = SharedModules::new([]).with_walked([(text_key(&dir, &cwd), listed)]);
    let addresses = |m: &CodeModel| m.resources.iter().map(|r| r.address.clone()).collect::<Vec<_>>();
    let first = load_code_shared(&dir, &CodeOptions::default(), Some(&shared)).unwrap();
    assert_eq!(addresses(&first), ["aws_s3_bucket.walked"]);
    assert!(first.diagnostics.is_empty(), "{:?}", first.diagnostics);
    let second = load_code_shared(&dir, &CodeOptions::default(), Some(&shared)).unwrap();
    assert_eq!(addresses(&second), ["aws_s3_bucket.on_disk"]);
}

#[test]
fn path_values_are_those_of_terraform_run_in_the_root() {
    // `terraform console` in examples/complete: path.cwd is that directory, absolute;
    // path.root is "."; a module's path.module is its directory relative to the root ("../..").
    let m = load("paths/examples/complete");
    let b = get(&m, "aws_s3_bucket.b");
    assert_eq!(tags(b), expect(&[("Cwd", "complete"), ("Module", ".")]));
    assert!(b.tags.complete);
    let ec2 = get(&m, "module.ec2.aws_instance.this");
    assert_eq!(
        tags(ec2),
        expect(&[("Example", "ex-complete"), ("Module", "../.."), ("Name", "ex-complete"), ("Root", ".")])
    );
    assert!(ec2.tags.complete, "the Name condition is decided, so the tags are whole");
}

#[test]
fn module_paths_are_relative_to_the_root_lexically() {
    let root = Path::new("/w/repo/examples/complete");
    let p = loader::module_paths(root, Path::new("/elsewhere"), Path::new("/w/repo/examples/complete/../.."));
    assert_eq!(
        (p.cwd.as_str(), p.root.as_str(), p.module.as_str()),
        ("/w/repo/examples/complete", ".", "../..")
    );
    assert_eq!(loader::module_paths(root, Path::new("/elsewhere"), root).module, ".");
    let nested = loader::module_paths(
        root,
        Path::new("/elsewhere"),
        Path::new("/w/repo/examples/complete/modules/./svc"),
    );
    assert_eq!(nested.module, "modules/svc");
    let remote = loader::module_paths(
        root,
        Path::new("/elsewhere"),
        Path::new("/w/repo/examples/complete/.terraform/modules/vpc"),
    );
    assert_eq!(remote.module, ".terraform/modules/vpc");
    // A module directory as the reader names it: relative to tally's working directory.
    let relative =
        loader::module_paths(root, Path::new("/w/repo"), Path::new("examples/complete/modules/svc"));
    assert_eq!(relative.module, "modules/svc");
}

#[test]
fn asg_tag_blocks_from_a_partly_unknown_map_keep_its_key_bound() {
    let m = load("asg-bound");
    let nodes = get(&m, "aws_autoscaling_group.nodes");
    assert_eq!(tags(nodes), expect(&[("Name", "nodes"), ("Team", "web")]));
    assert!(!nodes.tags.complete);
    assert!(!nodes.tags.may_hold("owner"), "only kubernetes.io/cluster/... may be added");
    assert!(nodes.tags.may_hold("kubernetes.io/cluster/prod"));
    // The tag's key is not the map's key: nothing is known of the keys the unknown part adds.
    let renamed = get(&m, "aws_autoscaling_group.renamed");
    assert!(renamed.tags.tags.is_empty() && renamed.tags.may_hold("owner"));
}

#[test]
fn minified_json_syntax_points_at_its_own_lines_and_columns() {
    // Written as `json.dumps` writes it: many items to a line. Positions are the JSON file's.
    let m = load("json-minified");
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    let a = get(&m, "aws_s3_bucket.a");
    assert_eq!(at(a.tags_location.as_ref(), "json-minified"), "main.tf.json:1:54");
    let q = get(&m, "aws_sqs_queue.q");
    assert_eq!(at(q.tags_location.as_ref(), "json-minified"), "main.tf.json:2:86");
    assert_eq!(tags(q), expect(&[("env", "y")]));
}
