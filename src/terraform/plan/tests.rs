use super::*;
use crate::model::IndexKey;

const FIXTURE: &[u8] = include_bytes!("../../../tests/fixtures/plan/default-tags.json");

fn p() -> &'static Path {
    Path::new("plan.json")
}

fn parse(json: &str) -> Result<PlanFile, String> {
    parse_plan(p(), json.as_bytes()).map_err(|e| e.to_string())
}

fn fixture() -> PlanFile {
    parse_plan(p(), FIXTURE).expect("fixture parses")
}

fn by_address<'a>(plan: &'a PlanFile, address: &str) -> &'a TfResource {
    plan.resources.iter().find(|r| r.address == address).expect(address)
}

fn known(value: &str) -> TagValue {
    TagValue::Known(value.to_string())
}

/// A one-resource plan with the given change and configuration.
fn one(change: &str, configuration: &str) -> Result<TfResource, String> {
    let json = format!(
        r#"{{"format_version":"1.2","resource_changes":[{{"address":"aws_vpc.v","mode":"managed","type":"aws_vpc",
        "name":"v","provider_name":"registry.terraform.io/hashicorp/aws","change":{change}}}],
        "configuration":{configuration}}}"#
    );
    parse(&json).map(|mut plan| plan.resources.remove(0))
}

const DEFAULTS: &str = r#"{"provider_config":{"aws":{"name":"aws","expressions":{"default_tags":[{"tags":
    {"constant_value":{"owner":"platform","env":"prod"}}}]}}},"root_module":{"resources":[
    {"address":"aws_vpc.v","provider_config_key":"aws"}]}}"#;

#[test]
fn header_fields_and_layer() {
    let plan = fixture();
    assert_eq!(plan.path, "plan.json");
    assert_eq!(plan.format_version, "1.2");
    assert_eq!(plan.terraform_version.as_deref(), Some("1.9.5"));
    assert_eq!(plan.resources.len(), 8);
    for r in &plan.resources {
        assert_eq!(r.layer, Layer::Plan);
        assert_eq!(r.location, Some(SourceLocation::file("plan.json")));
    }
}

#[test]
fn actions_map_to_plan_actions() {
    let plan = fixture();
    let action = |a: &str| by_address(&plan, a).action;
    assert_eq!(action("aws_s3_bucket.logs"), Some(PlanAction::Create));
    assert_eq!(action("aws_sqs_queue.q"), Some(PlanAction::Update));
    assert_eq!(action("aws_iam_role.old"), Some(PlanAction::Delete));
    assert_eq!(action("data.aws_ami.ubuntu"), Some(PlanAction::Read));
    assert_eq!(action("aws_instance.api[\"a\"]"), Some(PlanAction::Replace));
    let list = |a: &[&str]| plan_action(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    assert_eq!(list(&["create", "delete"]), Some(PlanAction::Replace));
    assert_eq!(list(&["no-op"]), Some(PlanAction::NoOp));
    assert_eq!(list(&["forget"]), Some(PlanAction::Delete));
    assert_eq!(list(&["explode"]), None);
    assert_eq!(list(&[]), None);
}

#[test]
fn index_module_and_mode() {
    let plan = fixture();
    let web = by_address(&plan, "aws_instance.web[0]");
    assert_eq!(web.index, Some(IndexKey::Int(0)));
    assert_eq!((web.resource_type.as_str(), web.name.as_str()), ("aws_instance", "web"));
    let api = by_address(&plan, "aws_instance.api[\"a\"]");
    assert_eq!(api.index, Some(IndexKey::Str("a".into())));
    let t = by_address(&plan, "module.app[\"blue\"].aws_dynamodb_table.t");
    assert_eq!(t.module, "module.app[\"blue\"]");
    assert_eq!(by_address(&plan, "data.aws_ami.ubuntu").mode, ResourceMode::Data);
    assert_eq!(by_address(&plan, "aws_s3_bucket.logs").module, "");
}

#[test]
fn known_tags_all_wins() {
    let plan = fixture();
    let logs = &by_address(&plan, "aws_s3_bucket.logs").tags;
    assert!(logs.complete);
    assert_eq!(logs.known_values().len(), 3);
    assert_eq!(logs.tags.get("team"), Some(&known("data")));
}

#[test]
fn unknown_keys_of_tags_all_are_unknown_values() {
    let plan = fixture();
    let q = &by_address(&plan, "aws_sqs_queue.q").tags;
    assert!(q.complete);
    assert_eq!(q.tags.get("build"), Some(&TagValue::Unknown));
    assert_eq!(q.tags.get("owner"), Some(&known("team-q")));
}

#[test]
fn unknown_tags_all_falls_back_to_tags_over_default_tags() {
    let plan = fixture();
    // Inherited provider: `module.app:aws` is not configured, the root `aws` is.
    let t = by_address(&plan, "module.app[\"blue\"].aws_dynamodb_table.t");
    assert_eq!(t.provider, "aws");
    assert!(t.tags.complete);
    assert_eq!(t.tags.tags.get("env"), Some(&known("prod")));
    assert_eq!(t.tags.tags.get("owner"), Some(&known("app-team")), "resource tags win over defaults");
    assert_eq!(t.tags.tags.get("app"), Some(&known("blue")));
    // `after_unknown.tags == true`: defaults are known, the rest is not.
    let topic = by_address(&plan, "module.app[\"blue\"].module.inner.aws_sns_topic.t");
    assert!(!topic.tags.complete);
    assert_eq!(topic.tags.tags.get("owner"), Some(&known("platform")));
}

#[test]
fn default_tags_by_reference_make_the_map_incomplete() {
    let plan = fixture();
    let web = by_address(&plan, "aws_instance.web[0]");
    assert_eq!(web.provider, "aws.west");
    assert!(!web.tags.complete);
    assert_eq!(web.tags.known_values().into_iter().collect::<Vec<_>>(), [("Name".into(), "web".into())]);
}

#[test]
fn deleted_resource_keeps_its_before_tags_and_identity() {
    let plan = fixture();
    let old = by_address(&plan, "aws_iam_role.old");
    assert_eq!(old.tags.tags.get("owner"), Some(&known("x")));
    assert!(old.tags.complete);
    assert_eq!(old.arn.as_deref(), Some("arn:aws:iam::123456789012:role/old"));
    assert_eq!(old.id.as_deref(), Some("old"));
    assert_eq!(old.region, None);
    assert_eq!(old.account.as_deref(), Some("123456789012"));
}

#[test]
fn identity_uses_after_values_provider_region_and_inferred_account() {
    let plan = fixture();
    let q = by_address(&plan, "aws_sqs_queue.q");
    assert_eq!(q.arn.as_deref(), Some("arn:aws:sqs:eu-west-1:123456789012:q"));
    assert_eq!(q.id.as_deref(), Some("https://sqs.eu-west-1.amazonaws.com/123456789012/q"));
    // Created, so no id yet; the name is known, the region comes from the provider block.
    let t = by_address(&plan, "module.app[\"blue\"].aws_dynamodb_table.t");
    assert_eq!(t.id, None);
    assert_eq!(t.arn.as_deref(), Some("arn:aws:dynamodb:eu-west-1:123456789012:table/t"));
    assert_eq!(t.region.as_deref(), Some("eu-west-1"));
    assert_eq!(by_address(&plan, "aws_s3_bucket.logs").arn.as_deref(), Some("arn:aws:s3:::logs-1"));
    // id unknown before apply: no ARN rather than a wrong one.
    assert_eq!(by_address(&plan, "aws_instance.web[0]").arn, None);
}

#[test]
fn utf16_and_bom_fixtures_load_the_same() {
    let want = fixture().resources;
    for bytes in [
        &include_bytes!("../../../tests/fixtures/plan/default-tags.utf16le-bom.json")[..],
        &include_bytes!("../../../tests/fixtures/plan/default-tags.utf16be-bom.json")[..],
        &include_bytes!("../../../tests/fixtures/plan/default-tags.utf8-bom.json")[..],
    ] {
        assert_eq!(parse_plan(p(), bytes).map(|plan| plan.resources).ok().as_ref(), Some(&want));
    }
}

#[test]
fn default_tags_shapes() {
    let change = r#"{"actions":["create"],"after":{"tags":{"Name":"x"}},"after_unknown":{"tags_all":true}}"#;
    let r = one(change, DEFAULTS).expect("parses");
    assert!(r.tags.complete);
    assert_eq!(r.tags.tags.len(), 3);
    // No configuration at all: no defaults, nothing unknown.
    let r = one(change, "{}").expect("parses");
    assert!(r.tags.complete);
    assert_eq!(r.tags.tags.len(), 1);
    // `default_tags` with an unreadable shape counts as unknown.
    let odd = r#"{"provider_config":{"aws":{"expressions":{"default_tags":"x"}}}}"#;
    assert!(!one(change, odd).expect("parses").tags.complete);
    // An empty default_tags block is fine.
    let empty = r#"{"provider_config":{"aws":{"expressions":{"default_tags":[{}]}}}}"#;
    assert!(one(change, empty).expect("parses").tags.complete);
}

#[test]
fn tags_all_absent_in_old_providers_uses_tags_and_defaults() {
    let change =
        r#"{"actions":["update"],"before":{},"after":{"tags":{"Name":"x","owner":"me"}},"after_unknown":{}}"#;
    let r = one(change, DEFAULTS).expect("parses");
    assert_eq!(r.tags.tags.get("owner"), Some(&known("me")));
    assert_eq!(r.tags.tags.get("env"), Some(&known("prod")));
    // Unknown per-key values of `tags` in the fallback.
    let change = r#"{"actions":["create"],"after":{"tags":{}},"after_unknown":{"tags":{"build":true},"tags_all":true}}"#;
    let r = one(change, DEFAULTS).expect("parses");
    assert_eq!(r.tags.tags.get("build"), Some(&TagValue::Unknown));
    assert!(r.tags.complete);
}

#[test]
fn legacy_module_provider_keys_resolve_through_parents() {
    let config = r#"{"provider_config":{
        "aws":{"expressions":{"default_tags":[{"tags":{"constant_value":{"from":"root"}}}]}},
        "module.a:aws":{"expressions":{"default_tags":[{"tags":{"constant_value":{"from":"a"}}}],
                                       "region":{"constant_value":"ap-south-1"}}}},
      "root_module":{"module_calls":{"a":{"module":{"module_calls":{"b":{"module":{"resources":[
        {"address":"aws_vpc.v","provider_config_key":"module.a.module.b:aws"}]}}},
        "resources":[{"address":"aws_vpc.w","provider_config_key":"w:aws"}]}}}}}"#;
    let json = format!(
        r#"{{"format_version":"0.1","resource_changes":[
        {{"address":"module.a.module.b[0].aws_vpc.v","module_address":"module.a.module.b[0]","type":"aws_vpc","name":"v",
          "change":{{"actions":["create"],"after":{{}},"after_unknown":{{}}}}}},
        {{"address":"module.a.aws_vpc.w","module_address":"module.a","type":"aws_vpc","name":"w",
          "change":{{"actions":["create"],"after":{{}},"after_unknown":{{}}}}}}],
        "configuration":{config}}}"#
    );
    let plan = parse(&json).expect("parses");
    let from = |i: usize| plan.resources[i].tags.tags.get("from").cloned();
    assert_eq!(from(0), Some(known("a")), "nearest enclosing module's provider");
    assert_eq!(from(1), Some(known("root")), "0.12 short key falls back to the root");
    assert_eq!(plan.resources[0].mode, ResourceMode::Managed, "no `mode` in 0.1 files");
}

#[test]
fn mode_missing_data_address_is_data() {
    let json = r#"{"format_version":"0.1","resource_changes":[{"address":"module.m.data.aws_ami.a",
        "module_address":"module.m","type":"aws_ami","name":"a","change":{"actions":["read"],"after":{}}}]}"#;
    assert_eq!(parse(json).expect("parses").resources[0].mode, ResourceMode::Data);
}

#[test]
fn strips_instance_keys_of_module_paths() {
    assert_eq!(strip_instance_keys("module.a[\"x\"].module.b[0]"), "module.a.module.b");
    assert_eq!(strip_instance_keys("module.a[\"we]ird\\\"\"].module.b"), "module.a.module.b");
    assert_eq!(strip_instance_keys(""), "");
}

#[test]
fn accepted_and_refused_format_versions() {
    for v in ["0.1", "0.2", "1.0", "1.1", "1.2", "1.9"] {
        assert!(parse(&format!(r#"{{"format_version":"{v}"}}"#)).is_ok(), "{v}");
    }
    assert_eq!(
        parse(r#"{"format_version":"2.0"}"#).err().as_deref(),
        Some("plan.json: plan format_version 2.0 not supported (major 0 or 1)")
    );
    assert!(parse(r#"{"format_version":1.0}"#).is_err_and(|e| e.contains("expected a string")));
    assert!(parse(r#"{"version":4,"resources":[]}"#).is_err_and(|e| e.contains("state file, not a plan")));
    assert!(parse(r#"{"format_version":"1.0","values":{}}"#).is_err_and(|e| e.contains("pass it as a state")));
    assert!(parse(r#"{"resource_changes":[]}"#).is_err_and(|e| e.contains("no `format_version`")));
    assert!(parse("[]").is_err_and(|e| e.starts_with("plan.json:1:")));
}

#[test]
fn truncated_fixture_names_file_and_line() {
    let bytes = include_bytes!("../../../tests/fixtures/plan/truncated.json");
    let err = parse_plan(p(), bytes).err().map(|e| e.to_string());
    assert!(err.as_deref().is_some_and(|e| e.starts_with("plan.json:41:")), "{err:?}");
}

#[test]
fn wrong_types_name_file_and_line() {
    let json = "{\"format_version\": \"1.0\",\n\"resource_changes\": [{\"address\": \"a.b\", \"type\": \"a\", \"name\": \"b\",\n\"change\": {\"actions\": \"create\"}}]}";
    let err = parse(json).err();
    assert!(err.as_deref().is_some_and(|e| e.starts_with("plan.json:3:")), "{err:?}");
    let json = "{\"format_version\": \"1.0\",\n\"resource_changes\": [{\"address\": \"a.b\", \"type\": \"a\", \"name\": \"b\",\n\"index\": [1], \"change\": {\"actions\": []}}]}";
    let err = parse(json).err();
    assert!(err.as_deref().is_some_and(|e| e.starts_with("plan.json:3:")), "{err:?}");
}

#[test]
fn bad_values_name_the_resource() {
    let err =
        one(r#"{"actions":["create"],"after":{"tags":"x"},"after_unknown":{"tags_all":true}}"#, "{}").err();
    assert_eq!(err.as_deref(), Some("plan.json: aws_vpc.v: `tags` is not a map (found a string)"));
    let err = one(r#"{"actions":["create"],"after":[1]}"#, "{}").err();
    assert_eq!(err.as_deref(), Some("plan.json: aws_vpc.v: `change.after` is a list, expected an object"));
    let err = one(r#"{"actions":["dance"],"after":{}}"#, "{}").err();
    assert_eq!(err.as_deref(), Some("plan.json: aws_vpc.v: unknown change actions [\"dance\"]"));
}

#[test]
fn autoscaling_groups_use_tag_blocks() {
    let json = r#"{"format_version":"1.0","resource_changes":[{"address":"aws_autoscaling_group.g","mode":"managed",
      "type":"aws_autoscaling_group","name":"g","change":{"actions":["create"],
      "after":{"tag":[{"key":"team","value":"x","propagate_at_launch":true}]},"after_unknown":{"tag":[{}]}}}],
      "configuration":{"provider_config":{"aws":{"expressions":{"default_tags":[{"tags":{"constant_value":{"d":"1"}}}]}}}}}"#;
    let r = parse(json).expect("parses").resources.remove(0);
    assert!(r.tags.complete);
    assert_eq!(r.tags.tags.keys().collect::<Vec<_>>(), ["team"], "default_tags do not apply to ASGs");
}

#[test]
fn load_plan_reports_missing_file() {
    let err = load_plan(Path::new("/nonexistent/plan.json")).err().map(|e| e.to_string());
    assert!(err.is_some_and(|e| e.starts_with("/nonexistent/plan.json: ")));
}

/// Odd but valid values: a repeated key (the last counts), numbers and booleans as tag values,
/// null tags, escaped keys, nested attributes, an `id` overwritten by an object, `after_unknown`
/// that is not an object, a change written before its type.
const EDGE: &str = r#"{"format_version":"1.2","resource_changes":[
 {"address":"aws_vpc.a","mode":"managed","type":"aws_vpc","name":"a","change":{"actions":["create"],
  "before":null,"after":{"id":"vpc-1","arn":"arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-1",
  "tags":{"a":"1","a":"2","n":5,"b":true,"z":null,"t\u0065am":"x"},"tags_all":null,
  "nested":{"tags":{"x":"y"}},"list":[{"id":"no"}],"id":{"not":"scalar"}},"after_unknown":true}},
 {"address":"aws_vpc.b","mode":"managed","change":{"actions":["update"],"before":{"tags_all":{"k":"v"}},
  "after":{"tags_all":{"k":"w","k":"v2","u":null},"region":"us-east-1"},
  "after_unknown":{"tags_all":{"late":true,"late":false,"soon":true}}},"type":"aws_vpc","name":"b"},
 {"address":"aws_vpc.c","mode":"managed","type":"aws_vpc","name":"c","change":{"actions":["delete"],
  "before":{"id":"vpc-3","tags":{"team":"web"},"deep":{"a":[1,{"b":2}]}},"after":null,"after_unknown":{}}},
 {"address":"aws_autoscaling_group.g","mode":"managed","type":"aws_autoscaling_group","name":"g",
  "change":{"actions":["create"],"after":{"tag":[{"key":"team","value":"web"}],"tags":null}}},
 {"address":"aws_vpc.d","mode":"managed","type":"aws_vpc","name":"d","change":{"actions":["create"],
  "after":{"tags":{"k":1.5,"big":18446744073709551615,"neg":-3}},"after_unknown":{"tags_all":true}}}
]}"#;

fn plan_inputs() -> Vec<(String, Vec<u8>)> {
    let mut inputs = vec![("edge".to_string(), EDGE.as_bytes().to_vec())];
    let dirs = [
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/plan"),
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/pricing"),
    ];
    for dir in dirs {
        for entry in std::fs::read_dir(dir).expect("fixture dir") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "json") {
                inputs.push((path.display().to_string(), std::fs::read(&path).expect("fixture")));
            }
        }
    }
    inputs
}

#[test]
fn lean_and_whole_reads_agree() {
    // Most types are read lean (scalars and tag entries); kept types are read lean with their
    // values kept besides, autoscaling groups and a change before its type whole and reduced:
    // all must give the same resources, and the same errors.
    for (name, bytes) in plan_inputs() {
        let lean = parse_plan(p(), &bytes).map(|f| f.resources).map_err(|e| e.to_string());
        let whole = parse_plan_keeping(p(), &bytes, Keep { types: &|_| true, attributes: &|_| true })
            .map(|f| f.resources)
            .map_err(|e| e.to_string());
        assert_eq!(lean, whole, "{name}");
    }
}

#[test]
fn edge_values_read_as_a_parsed_map_would() {
    let plan = parse(EDGE).expect("edge plan parses");
    let a = by_address(&plan, "aws_vpc.a");
    let tags: Vec<(&str, &TagValue)> = a.tags.tags.iter().map(|(k, v)| (k.as_str(), v)).collect();
    assert_eq!(
        tags,
        vec![("a", &known("2")), ("b", &known("true")), ("n", &known("5")), ("team", &known("x"))]
    );
    assert_eq!(a.id, None, "the later `id` is an object");
    assert_eq!(a.arn.as_deref(), Some("arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-1"));
    let b = by_address(&plan, "aws_vpc.b");
    assert_eq!(b.tags.tags.get("k"), Some(&known("v2")));
    assert_eq!(b.tags.tags.get("soon"), Some(&TagValue::Unknown));
    assert_eq!(b.tags.tags.get("late"), None, "the last `late` is false");
    assert_eq!(b.tags.tags.get("u"), None);
    assert_eq!(b.region.as_deref(), Some("us-east-1"));
    let c = by_address(&plan, "aws_vpc.c");
    assert_eq!((c.id.as_deref(), c.tags.tags.get("team")), (Some("vpc-3"), Some(&known("web"))));
    let g = by_address(&plan, "aws_autoscaling_group.g");
    assert_eq!(g.tags.tags.get("team"), Some(&known("web")));
    let d = by_address(&plan, "aws_vpc.d");
    assert_eq!(d.tags.tags.get("k"), Some(&known("1.5")));
    assert_eq!(d.tags.tags.get("big"), Some(&known("18446744073709551615")));
    assert_eq!(d.tags.tags.get("neg"), Some(&known("-3")));
    assert!(d.tags.complete, "tags_all unknown as a whole: `tags` over the (empty) default tags");
}

#[test]
fn kept_changes_keep_all_but_their_tags_in_plan_order() {
    let plan =
        parse_plan_keeping(p(), EDGE.as_bytes(), Keep { types: &|t| t == "aws_vpc", attributes: &|_| true })
            .expect("parses");
    let addresses: Vec<&str> = plan.kept.iter().map(|c| c.address.as_str()).collect();
    assert_eq!(addresses, ["aws_vpc.a", "aws_vpc.b", "aws_vpc.c", "aws_vpc.d"]);
    assert_eq!(plan.kept[2].before["deep"]["a"][1]["b"], 2);
    assert_eq!(plan.kept[2].before["id"], "vpc-3");
    assert!(plan.kept[2].after.is_null());
    assert_eq!(plan.kept[1].actions, ["update"]);
    // Read lean with its values kept: nested attributes whole, a repeated key's last value,
    // `after_unknown` as written, the tag maps left to the lean side.
    let a = &plan.kept[0].after;
    assert_eq!(a["nested"]["tags"]["x"], "y");
    assert_eq!(a["list"][0]["id"], "no");
    assert_eq!(a["id"]["not"], "scalar");
    assert_eq!(a["arn"], "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-1");
    assert!(a.get("tags").is_none() && a.get("tags_all").is_none(), "{a:?}");
    assert_eq!(plan.kept[0].after_unknown, serde_json::Value::Bool(true));
    assert_eq!(plan.kept[3].after_unknown["tags_all"], true);
    assert!(parse(EDGE).expect("parses").kept.is_empty(), "nothing kept unless asked");
}

#[test]
fn header_errors_come_before_errors_in_the_body() {
    // One pass reads the header with the body; a broken body must not hide what the header says.
    let err = parse(r#"{"version":4,"resource_changes":[1]}"#).err();
    assert!(err.as_deref().is_some_and(|e| e.contains("state file, not a plan")), "{err:?}");
    let err = parse(r#"{"resource_changes":[{"x":1}],"format_version":"2.0"}"#).err();
    assert!(err.as_deref().is_some_and(|e| e.contains("not supported")), "{err:?}");
    let err = parse(r#"{"format_version":"1.2","resource_changes":[{"address":"a"}]}"#).err();
    assert!(
        err.as_deref().is_some_and(|e| e.starts_with("plan.json:1:") && e.contains("missing field")),
        "{err:?}"
    );
    let err = parse(r#"{"format_version":"1.2","format_version":"1.2"}"#).err();
    assert!(err.as_deref().is_some_and(|e| e.contains("duplicate field `format_version`")), "{err:?}");
}

#[test]
fn aws_regions_are_the_constant_regions_of_aws_providers() {
    let json = r#"{"format_version":"1.2","configuration":{"provider_config":{
      "aws":{"name":"aws","expressions":{"region":{"constant_value":"eu-west-1"}}},
      "aws.us":{"name":"aws","expressions":{"region":{"constant_value":"us-east-1"}}},
      "aws.again":{"name":"aws","expressions":{"region":{"constant_value":"eu-west-1"}}},
      "aws.var":{"name":"aws","expressions":{"region":{"references":["var.r"]}}},
      "google":{"name":"google","expressions":{"region":{"constant_value":"europe-west1"}}}}}}"#;
    assert_eq!(parse(json).expect("parses").aws_regions, ["eu-west-1", "us-east-1"]);
}

/// A plan of `n` changes with what can fool a split guess: nested objects whose first key is
/// `address` after `},`, strings holding `},{"address"`, escaped keys, a data source, an
/// autoscaling group read whole, another provider's resource, and `prior_state` and
/// `configuration` after the changes as Terraform writes them.
fn tricky_plan(n: usize) -> String {
    let mut changes = Vec::new();
    for i in 0..n {
        let change = match i % 5 {
            0 => format!(
                r#"{{"address":"aws_instance.i{i}","mode":"managed","type":"aws_instance","name":"i{i}",
                "provider_name":"registry.terraform.io/hashicorp/aws","change":{{"actions":["create"],
                "before":null,"after":{{"ami":"ami-1","network":[{{"address":"10.0.0.{i}"}},{{"address":"10.0.1.{i}","x":1}}],
                "tags":{{"team":"web","note":"x}},{{\"address\":\"evil{i}\""}}}},"after_unknown":{{"arn":true}}}}}}"#
            ),
            1 => format!(
                r#"{{"address":"aws_s3_bucket.b{i}","mode":"managed","type":"aws_s3_bucket","name":"b{i}",
                "provider_name":"registry.terraform.io/hashicorp/aws","change":{{"actions":["update"],
                "before":{{"bucket":"b{i}","arn":"arn:aws:s3:::b{i}","tags":{{"team":"data"}}}},
                "after":{{"bucket":"b{i}","arn":"arn:aws:s3:::b{i}","tags":{{"team":"data","env":"prod"}},
                "rules":[{{"id":"r"}},{{"address":"}},{{\"address\":\"x\""}}]}},"after_unknown":{{}}}}}}"#
            ),
            2 => format!(
                r#"{{"address":"data.aws_vpc.d{i}","mode":"data","type":"aws_vpc","name":"d{i}",
                "provider_name":"registry.terraform.io/hashicorp/aws","change":{{"actions":["read"],
                "before":null,"after":{{"id":"vpc-{i}"}},"after_unknown":{{"tags":true}}}}}}"#
            ),
            3 => format!(
                r#"{{"address":"aws_autoscaling_group.g{i}","mode":"managed","type":"aws_autoscaling_group",
                "name":"g{i}","change":{{"actions":["create"],"after":{{"tag":[{{"key":"team","value":"ops",
                "propagate_at_launch":true}}],"tags":null}}}}}}"#
            ),
            _ => format!(
                r#"{{"\u0061ddress":"google_compute_instance.c{i}","mode":"managed","type":"google_compute_instance",
                "name":"c{i}","provider_name":"registry.terraform.io/hashicorp/google","change":{{"actions":["create"],
                "after":{{"tags":["a","b"]}}}}}}"#
            ),
        };
        changes.push(change);
    }
    let values: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"address":"aws_instance.i{i}","values":{{"tags":{{"team":"web"}}}}}}"#))
        .collect();
    format!(
        r#"{{"format_version":"1.2","terraform_version":"1.11.0",
        "planned_values":{{"root_module":{{"resources":[{values}]}}}},
        "resource_changes":[{changes}],
        "prior_state":{{"values":{{"root_module":{{"resources":[{values}]}}}}}},
        "configuration":{{"provider_config":{{"aws":{{"name":"aws","expressions":{{"default_tags":[{{"tags":
        {{"constant_value":{{"owner":"platform"}}}}}}]}}}}}},"root_module":{{}}}}}}"#,
        values = values.join(","),
        changes = changes.join(",\n "),
    )
}

/// The plan as one thread reads it, and as two read it split at `split`.
fn serial_and_split(text: &str, keep: Keep<'static>, split: changes::Split) -> [Result<PlanFile, String>; 2] {
    let serial =
        parse_plan_using(p(), text.as_bytes(), keep, |t, k| changes::parse_with(t, k, None).map(|r| r.0));
    let split = parse_plan_using(p(), text.as_bytes(), keep, |t, k| changes::parse_split(t, k, split));
    [serial.map_err(|e| e.to_string()), split.map_err(|e| e.to_string())]
}

const KEEP_ALL: Keep<'static> = Keep { types: &|_| true, attributes: &|_| true };

#[test]
fn a_large_plan_split_on_two_threads_reads_as_on_one() {
    let text = tricky_plan(6000);
    assert!(text.len() > changes::MIN_SPLIT, "{} bytes", text.len());
    let split = changes::split_point(&text).expect("a split point");
    // The guess is an element of `resource_changes`, and the first thread meets it.
    let guessed = &text[split.start..split.start + 40];
    assert!(guessed.starts_with("{\"address\":\"") && !guessed.contains("10.0."), "{guessed}");
    assert!(split.start > text.find("\"resource_changes\"").unwrap());
    let key = text.as_ptr() as usize + split.key;
    let (_, met) = changes::parse_with(&text, Keep::NOTHING, Some(key)).expect("parses");
    assert!(met, "the first thread meets the guessed element");
    for keep in [Keep::NOTHING, KEEP_ALL] {
        let [serial, split] = serial_and_split(&text, keep, split);
        let serial = serial.expect("the plan parses");
        assert_eq!(serial.resources.len(), 6000 - 6000 / 5);
        assert_eq!(serial.other_provider_resources, 6000 / 5);
        assert_eq!(Ok(serial), split);
    }
    // And through the public reader, which splits where there are two cores.
    let [serial, _] = serial_and_split(&text, Keep::NOTHING, split);
    assert_eq!(serial, parse_plan(p(), text.as_bytes()).map_err(|e| e.to_string()));
}

#[test]
fn any_guess_gives_what_one_thread_reads_or_its_error() {
    // Every `{` of the file taken as the guess: elements, nested objects, the insides of
    // strings, `planned_values`, `prior_state`. Valid plans and broken ones: the error must
    // be the one-thread reader's, the first in the file.
    let good = tricky_plan(12);
    let third = good.match_indices("{\"address\":\"aws_s3_bucket.b6\"").next().unwrap().0;
    let broken = [
        // A shape error in one element and a syntax error in a later one.
        good.replacen("\"type\":\"aws_s3_bucket\",\"name\":\"b6\"", "\"type\":5,\"name\":\"b6\"", 1),
        good.replacen("\"type\":\"aws_s3_bucket\",\"name\":\"b6\"", "\"type\":5,\"name\":\"b6\"", 1)
            .replacen("\"name\":\"i10\"", "\"name\" \"i10\"", 1),
        good.replacen("\"name\":\"i10\"", "\"name\" \"i10\"", 1),
        // An element that is not an object, a comma too many, the end cut off.
        format!("{}42,{}", &good[..third], &good[third..]),
        good.replacen(
            "},\n {\"address\":\"aws_s3_bucket.b11\"",
            "},,\n {\"address\":\"aws_s3_bucket.b11\"",
            1,
        ),
        good[..good.len() - 200].to_string(),
    ];
    for text in std::iter::once(&good).chain(&broken) {
        for (start, _) in text.match_indices('{') {
            let after = text[start + 1..].trim_start();
            let key = text.len() - after.len() + 1;
            let split = changes::Split { start, key };
            for keep in [Keep::NOTHING, KEEP_ALL] {
                let [serial, split] = serial_and_split(text, keep, split);
                assert_eq!(
                    serial,
                    split,
                    "guess at byte {start}: {}",
                    &text[start..(start + 40).min(text.len())]
                );
            }
        }
    }
    assert!(
        serial_and_split(&good, Keep::NOTHING, changes::Split { start: third, key: third + 2 })[0].is_ok()
    );
    for text in &broken {
        assert!(
            serial_and_split(text, Keep::NOTHING, changes::Split { start: 0, key: 2 })[0].is_err(),
            "{text}"
        );
    }
}

#[test]
fn a_plan_made_resources_in_two_halves_keeps_file_order_and_the_first_error() {
    // 2,400 changes: read in two halves (from 2,000) where there are two cores, in one pass
    // otherwise; either way the same resources in file order, and the first bad change named.
    let change = |i: usize, action: &str| {
        format!(
            r#"{{"address":"aws_vpc.v{i}","mode":"managed","type":"aws_vpc","name":"v{i}",
            "change":{{"actions":["{action}"],"after":{{"tags":{{"n":"{i}"}}}}}}}}"#
        )
    };
    let plan = |bad: &[usize]| {
        let changes: Vec<String> =
            (0..2400).map(|i| change(i, if bad.contains(&i) { "explode" } else { "create" })).collect();
        format!(r#"{{"format_version":"1.2","resource_changes":[{}]}}"#, changes.join(","))
    };
    let read = parse(&plan(&[])).expect("parses");
    let addresses: Vec<String> = read.resources.iter().map(|r| r.address.clone()).collect();
    assert_eq!(addresses, (0..2400).map(|i| format!("aws_vpc.v{i}")).collect::<Vec<_>>());
    assert!(read
        .resources
        .iter()
        .enumerate()
        .all(|(i, r)| r.tags.tags.get("n") == Some(&known(&i.to_string()))));
    for (bad, named) in
        [(vec![300, 1900], "aws_vpc.v300:"), (vec![1900], "aws_vpc.v1900:"), (vec![2399], "aws_vpc.v2399:")]
    {
        let error = parse(&plan(&bad)).expect_err("a bad action");
        assert!(error.contains(named) && error.contains("explode"), "{bad:?}: {error}");
    }
}
