use std::fs;

use super::*;
use crate::model::TagValue;

fn p() -> &'static Path {
    Path::new("envs/prod.tfstate")
}

fn parse(json: &str) -> Result<StateFile, String> {
    parse_state(p(), json.as_bytes()).map_err(|e| e.to_string())
}

const V4: &str = r#"{
  "version": 4, "terraform_version": "1.6.0", "serial": 12, "lineage": "abc",
  "resources": [
    {"mode": "managed", "type": "aws_instance", "name": "web",
     "provider": "provider[\"registry.terraform.io/hashicorp/aws\"].west",
     "instances": [
       {"index_key": 0, "attributes": {"id": "i-0", "arn": "arn:aws:ec2:us-west-2:111122223333:instance/i-0",
        "tags": {"Name": "w0"}, "tags_all": {"Name": "w0", "env": "prod"}}},
       {"index_key": 1, "attributes": {"id": "i-1", "tags": {"Name": "w1"}, "tags_all": null}}
     ]},
    {"module": "module.a[\"x\"].module.b", "type": "aws_s3_bucket", "name": "logs",
     "provider": "provider.aws",
     "instances": [{"index_key": "blue", "attributes": {"id": "logs-b", "bucket": "logs-b", "region": "eu-west-1"}}]},
    {"mode": "data", "type": "aws_caller_identity", "name": "me",
     "provider": "module.a.provider[\"registry.terraform.io/hashicorp/aws\"]",
     "instances": [{"schema_version": 0, "attributes": {"id": "111122223333"}}]},
    {"mode": "managed", "type": "aws_sqs_queue", "name": "q", "provider": "provider.aws.east",
     "instances": [{"attributes": {"id": "https://sqs/q", "name": "q", "tags": null}}]}
  ]
}"#;

#[test]
fn reads_v4_header_and_every_instance() {
    let state = parse(V4).expect("parses");
    assert_eq!(state.path, "envs/prod.tfstate");
    assert_eq!(state.terraform_version.as_deref(), Some("1.6.0"));
    assert_eq!(state.serial, Some(12));
    assert_eq!(state.lineage.as_deref(), Some("abc"));
    let addrs: Vec<_> = state.resources.iter().map(|r| r.address.as_str()).collect();
    assert_eq!(
        addrs,
        [
            "aws_instance.web[0]",
            "aws_instance.web[1]",
            "aws_sqs_queue.q",
            "data.aws_caller_identity.me",
            "module.a[\"x\"].module.b.aws_s3_bucket.logs[\"blue\"]",
        ]
    );
    for r in &state.resources {
        assert_eq!(r.layer, Layer::State);
        assert_eq!(r.location, Some(SourceLocation::file("envs/prod.tfstate")));
        assert!(r.tags.complete);
        assert_eq!(r.action, None);
    }
}

#[test]
fn provider_keys_from_both_notations() {
    assert_eq!(provider_config_key("provider[\"registry.terraform.io/hashicorp/aws\"].west"), "aws.west");
    assert_eq!(provider_config_key("provider[\"registry.terraform.io/hashicorp/aws\"]"), "aws");
    assert_eq!(provider_config_key("provider.aws.west"), "aws.west");
    assert_eq!(provider_config_key("provider.aws"), "aws");
    assert_eq!(provider_config_key("module.a.provider[\"registry.terraform.io/-/aws\"]"), "aws");
    let state = parse(V4).expect("parses");
    let providers: Vec<_> = state.resources.iter().map(|r| r.provider.as_str()).collect();
    assert_eq!(providers, ["aws.west", "aws.west", "aws.east", "aws", "aws"]);
}

#[test]
fn mode_module_and_index() {
    let state = parse(V4).expect("parses");
    let bucket = &state.resources[4];
    assert_eq!(bucket.module, "module.a[\"x\"].module.b");
    assert_eq!(bucket.index, Some(IndexKey::Str("blue".into())));
    assert_eq!(bucket.mode, ResourceMode::Managed);
    assert_eq!(state.resources[3].mode, ResourceMode::Data);
    assert_eq!(state.resources[2].index, None);
    assert_eq!(state.resources[0].index, Some(IndexKey::Int(0)));
}

#[test]
fn tags_all_then_tags_then_empty() {
    let state = parse(V4).expect("parses");
    let known = |i: usize| state.resources[i].tags.known_values();
    assert_eq!(known(0).get("env"), Some("prod"));
    assert_eq!(known(1).into_iter().collect::<Vec<_>>(), [("Name".to_string(), "w1".to_string())]);
    assert!(known(2).is_empty());
    assert!(state.resources[2].tags.complete);
}

#[test]
fn identity_uses_arn_then_patterns_with_inferred_context() {
    let state = parse(V4).expect("parses");
    let r = &state.resources;
    assert_eq!(r[0].arn.as_deref(), Some("arn:aws:ec2:us-west-2:111122223333:instance/i-0"));
    assert_eq!(r[0].region.as_deref(), Some("us-west-2"));
    assert_eq!(r[0].account.as_deref(), Some("111122223333"));
    assert_eq!(r[0].id.as_deref(), Some("i-0"));
    // Built from the pattern with the account and region inferred from r[0].
    assert_eq!(r[1].arn.as_deref(), Some("arn:aws:ec2:us-west-2:111122223333:instance/i-1"));
    assert_eq!(r[2].arn.as_deref(), Some("arn:aws:sqs:us-west-2:111122223333:q"));
    // S3: no region in the ARN, so the bucket's own `region` attribute.
    assert_eq!(r[4].arn.as_deref(), Some("arn:aws:s3:::logs-b"));
    assert_eq!(r[4].region.as_deref(), Some("eu-west-1"));
    assert_eq!(r[4].account, None);
    // Data sources have no pattern.
    assert_eq!(r[3].arn, None);
}

#[test]
fn autoscaling_group_tags_come_from_tag_blocks() {
    let json = r#"{"version":4,"resources":[{"type":"aws_autoscaling_group","name":"a","provider":"provider.aws",
      "instances":[{"attributes":{"id":"a","tag":[{"key":"team","value":"x","propagate_at_launch":true}],
      "tags":[{"key":"old","value":"y","propagate_at_launch":"true"}]}}]}]}"#;
    let state = parse(json).expect("parses");
    let tags = &state.resources[0].tags.tags;
    assert_eq!(tags.get("team"), Some(&TagValue::Known("x".into())));
    assert_eq!(tags.get("old"), Some(&TagValue::Known("y".into())));
}

#[test]
fn empty_state_and_no_resources_key() {
    assert!(parse(r#"{"version":4}"#).expect("parses").resources.is_empty());
    assert!(parse(r#"{"version":4,"resources":[]}"#).expect("parses").resources.is_empty());
}

#[test]
fn old_and_unknown_versions_are_refused() {
    assert_eq!(
        parse(r#"{"version":3,"modules":[]}"#).err().as_deref(),
        Some("envs/prod.tfstate: state version 3 not supported (only version 4, written by Terraform 0.12 and later)")
    );
    assert!(parse(r#"{"version":"4"}"#).is_err_and(|e| e.contains("state version \"4\" not supported")));
    assert!(parse(r#"{"resources":[]}"#).is_err_and(|e| e.contains("not a Terraform state")));
    assert!(parse(r#"{"format_version":"1.2","resource_changes":[]}"#).is_err_and(|e| e.contains("plan")));
}

#[test]
fn truncated_json_names_file_and_line() {
    let err = parse("{\"version\": 4,\n \"resources\": [\n").err();
    assert!(err.as_deref().is_some_and(|e| e.starts_with("envs/prod.tfstate:3:")), "{err:?}");
}

#[test]
fn wrong_types_name_file_and_line() {
    let err = parse("{\"version\": 4,\n \"resources\": [{\"type\": \"aws_vpc\", \"name\": \"a\",\n \"instances\": [{\"index_key\": true}]}]}").err();
    assert!(err.as_deref().is_some_and(|e| e.starts_with("envs/prod.tfstate:3:")), "{err:?}");
    let err = parse("{\"version\": 4,\n \"resources\": {}}").err();
    assert!(err.as_deref().is_some_and(|e| e.starts_with("envs/prod.tfstate:2:")), "{err:?}");
    let err = parse("{\"version\": 4, \"resources\": [{\"type\": 5, \"name\": \"a\"}]}").err();
    assert!(err.as_deref().is_some_and(|e| e.starts_with("envs/prod.tfstate:1:")), "{err:?}");
}

#[test]
fn tags_of_the_wrong_shape_name_the_resource() {
    let json = r#"{"version":4,"resources":[{"type":"aws_vpc","name":"a","instances":[{"attributes":{"tags":"x"}}]}]}"#;
    assert_eq!(
        parse(json).err().as_deref(),
        Some("envs/prod.tfstate: aws_vpc.a: attribute `tags` is not a map (found a string)")
    );
    let json = r#"{"version":4,"resources":[{"type":"aws_vpc","name":"a","instances":[{"attributes":{"tags_all":{"k":{}}}}]}]}"#;
    assert!(parse(json).is_err_and(|e| e.contains("non-string value for key `k`")));
}

#[test]
fn bom_and_utf16_states_load() {
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(V4.as_bytes());
    assert_eq!(parse_state(p(), &bom).map(|s| s.resources.len()).ok(), Some(5));
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(V4.encode_utf16().flat_map(u16::to_le_bytes));
    assert_eq!(parse_state(p(), &utf16).map(|s| s.resources.len()).ok(), Some(5));
}

#[test]
fn load_state_reports_missing_file() {
    let err = load_state(Path::new("/nonexistent/x.tfstate")).err().map(|e| e.to_string());
    assert!(err.is_some_and(|e| e.starts_with("/nonexistent/x.tfstate: ")));
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("tally-state-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }

    fn touch(&self, rel: &str) -> PathBuf {
        let path = self.0.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("mkdir");
        }
        fs::write(&path, r#"{"version":4}"#).expect("write");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[test]
fn expands_files_directories_and_globs() {
    let t = TempDir::new("expand");
    let a = t.touch("envs/prod/terraform.tfstate");
    let b = t.touch("envs/dev/terraform.tfstate");
    let c = t.touch("envs/top.tfstate");
    t.touch("envs/prod/.terraform/terraform.tfstate");
    t.touch("envs/prod/notes.txt");
    let root = t.0.display().to_string();

    let dir = expand_state_inputs(&[format!("{root}/envs")]).expect("dir");
    assert_eq!(dir, [b.clone(), a.clone(), c.clone()]);

    let glob = expand_state_inputs(&[format!("{root}/envs/**/*.tfstate")]).expect("glob");
    assert_eq!(glob, [b.clone(), a.clone(), c.clone()]);

    let one_level = expand_state_inputs(&[format!("{root}/envs/*/terraform.tfstate")]).expect("glob");
    assert_eq!(one_level, [b, a.clone()]);

    // Files given twice, or by file and by glob, come out once.
    let mixed = expand_state_inputs(&[a.display().to_string(), format!("{root}/envs/prod/*.tfstate")]);
    assert_eq!(mixed.expect("mixed"), [a]);
}

#[test]
fn inputs_that_match_nothing_are_errors_naming_them() {
    let t = TempDir::new("nothing");
    t.touch("a/readme.txt");
    let root = t.0.display().to_string();
    let pattern = format!("{root}/**/*.tfstate");
    let err = expand_state_inputs(std::slice::from_ref(&pattern)).err().map(|e| e.to_string());
    assert_eq!(err, Some(format!("{pattern}: pattern matches no file")));
    let dir = format!("{root}/a");
    let err = expand_state_inputs(std::slice::from_ref(&dir)).err().map(|e| e.to_string());
    assert_eq!(err, Some(format!("{dir}: no *.tfstate file in this directory")));
    let missing = format!("{root}/missing.tfstate");
    assert!(expand_state_inputs(std::slice::from_ref(&missing))
        .is_err_and(|e| e.to_string().starts_with(&missing)));
    let bad = format!("{root}/[*.tfstate");
    assert!(expand_state_inputs(&[bad]).is_err_and(|e| e.to_string().contains("bad glob")));
}

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/state");

#[test]
fn fixture_with_modules_for_each_and_a_deposed_object() {
    let state = load_state(&Path::new(FIXTURES).join("modules.tfstate")).expect("loads");
    let addrs: Vec<_> = state.resources.iter().map(|r| r.address.as_str()).collect();
    assert_eq!(
        addrs,
        [
            "aws_cloudwatch_log_group.app",
            "module.net[\"prod\"].aws_subnet.private[\"a\"]",
            "module.net[\"prod\"].aws_subnet.private[\"b\"]",
            "module.net[\"prod\"].aws_subnet.private[\"b\"]",
            "module.net[\"prod\"].aws_vpc.main",
        ]
    );
    let log = &state.resources[0];
    assert_eq!(log.provider, "aws.eu");
    assert_eq!(log.arn.as_deref(), Some("arn:aws:logs:eu-central-1:210987654321:log-group:/app"));
    assert!(log.tags.tags.is_empty() && log.tags.complete);
    // The deposed object is still live and still managed: it is kept, under the same address.
    let ids: Vec<_> = state.resources[1..4].iter().filter_map(|r| r.id.as_deref()).collect();
    assert_eq!(ids, ["subnet-a", "subnet-b", "subnet-old"]);
    assert_eq!(
        state.resources[1].arn.as_deref(),
        Some("arn:aws:ec2:eu-central-1:210987654321:subnet/subnet-a")
    );
    assert_eq!(state.resources[1].tags.known_values().get("owner"), Some("net"));
}

#[test]
fn utf16_and_bom_fixtures_load_the_same() {
    let want = load_state(&Path::new(FIXTURES).join("modules.tfstate")).expect("loads").resources;
    for name in ["modules.utf16le.tfstate", "modules.utf8-bom.tfstate"] {
        let got = load_state(&Path::new(FIXTURES).join(name)).expect(name).resources;
        let strip = |v: &[TfResource]| {
            v.iter().map(|r| (r.address.clone(), r.arn.clone(), r.tags.clone())).collect::<Vec<_>>()
        };
        assert_eq!(strip(&got), strip(&want), "{name}");
    }
}
