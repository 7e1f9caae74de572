//! Terraform import ids per resource type, from the live resource's ARN.
//!
//! Each entry is checked against the "Import" section of the resource's page in the AWS
//! provider documentation (`website/docs/r/<type>.html.markdown` of
//! hashicorp/terraform-provider-aws); the `doc` column quotes the documented id shape. Types
//! whose id needs data an ARN does not carry (a key pair's name, which of several Terraform
//! types a tagging-API type is) are in [`UNSUPPORTED`] with the reason, never guessed.

use crate::model::LiveResource;

/// How the import id is made from the ARN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Recipe {
    /// The ARN itself.
    Arn,
    /// The last `/` or `:` segment of the resource part: `instance/i-0abc` -> `i-0abc`.
    Last,
    /// The resource part after its type and separator: `rule/bus/name` -> `bus/name`.
    AfterType,
    /// The resource part as is (`arn:aws:s3:::bucket` -> `bucket`).
    Resource,
    /// `https://sqs.REGION.amazonaws.com/ACCOUNT/NAME` (the queue URL; `aws` partition only).
    SqsUrl,
    /// `service/CLUSTER/NAME` -> `CLUSTER/NAME`; the old `service/NAME` lacks the cluster.
    EcsService,
    /// `nodegroup/CLUSTER/NAME/UUID` -> `CLUSTER:NAME`.
    EksNodeGroup,
    /// `regional/webacl/NAME/ID` -> `ID/NAME/REGIONAL` (`global` -> `CLOUDFRONT`).
    Wafv2,
    /// The parameter name: `parameter/a/b` -> `/a/b`; without a `/` the leading slash is
    /// unknowable (both `x` and `/x` have the ARN `parameter/x`).
    SsmParameter,
    /// `/restapis/ID/stages/NAME` -> `ID/NAME` (API Gateway stages, REST and HTTP).
    ApiStage,
}

/// One importable type: the ARN's service and resource prefix, the Terraform type, the recipe,
/// and the id shape the provider documentation gives.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ImportType {
    pub service: &'static str,
    /// The resource part starts with this (longest match wins); `""` matches any.
    pub prefix: &'static str,
    pub terraform: &'static str,
    pub recipe: Recipe,
    pub doc: &'static str,
}

const fn t(
    service: &'static str,
    prefix: &'static str,
    terraform: &'static str,
    recipe: Recipe,
    doc: &'static str,
) -> ImportType {
    ImportType { service, prefix, terraform, recipe, doc }
}

use Recipe::{
    AfterType, ApiStage, Arn, EcsService, EksNodeGroup, Last, Resource, SqsUrl, SsmParameter, Wafv2,
};

/// The table, by service then prefix.
pub(crate) static TYPES: &[ImportType] = &[
    t("acm", "certificate/", "aws_acm_certificate", Arn, "certificate ARN"),
    t("apigateway", "/apis/", "aws_apigatewayv2_api", Last, "API id"),
    t("apigateway", "/restapis/", "aws_api_gateway_rest_api", Last, "REST API id"),
    t("athena", "workgroup/", "aws_athena_workgroup", AfterType, "workgroup name"),
    t("backup", "backup-plan:", "aws_backup_plan", AfterType, "backup plan id"),
    t("backup", "backup-vault:", "aws_backup_vault", AfterType, "vault name"),
    t("cloudfront", "distribution/", "aws_cloudfront_distribution", Last, "distribution id"),
    t("cloudtrail", "trail/", "aws_cloudtrail", AfterType, "trail name"),
    t("codebuild", "project/", "aws_codebuild_project", AfterType, "project name"),
    t("codepipeline", "", "aws_codepipeline", Resource, "pipeline name"),
    t("cognito-idp", "userpool/", "aws_cognito_user_pool", Last, "user pool id"),
    t("dynamodb", "table/", "aws_dynamodb_table", AfterType, "table name"),
    t("ec2", "capacity-reservation/", "aws_ec2_capacity_reservation", Last, "reservation id (cr-...)"),
    t("ec2", "customer-gateway/", "aws_customer_gateway", Last, "customer gateway id (cgw-...)"),
    t("ec2", "dhcp-options/", "aws_vpc_dhcp_options", Last, "DHCP options id (dopt-...)"),
    t(
        "ec2",
        "egress-only-internet-gateway/",
        "aws_egress_only_internet_gateway",
        Last,
        "gateway id (eigw-...)",
    ),
    t("ec2", "elastic-ip/", "aws_eip", Last, "allocation id (eipalloc-...)"),
    t("ec2", "image/", "aws_ami", Last, "AMI id (ami-...)"),
    t("ec2", "instance/", "aws_instance", Last, "instance id (i-...)"),
    t("ec2", "internet-gateway/", "aws_internet_gateway", Last, "gateway id (igw-...)"),
    t("ec2", "launch-template/", "aws_launch_template", Last, "launch template id (lt-...)"),
    t("ec2", "natgateway/", "aws_nat_gateway", Last, "NAT gateway id (nat-...)"),
    t("ec2", "network-acl/", "aws_network_acl", Last, "network ACL id (acl-...)"),
    t("ec2", "network-interface/", "aws_network_interface", Last, "ENI id (eni-...)"),
    t("ec2", "placement-group/", "aws_placement_group", Last, "placement group name"),
    t("ec2", "prefix-list/", "aws_ec2_managed_prefix_list", Last, "prefix list id (pl-...)"),
    t("ec2", "route-table/", "aws_route_table", Last, "route table id (rtb-...)"),
    t("ec2", "security-group/", "aws_security_group", Last, "security group id (sg-...)"),
    t("ec2", "snapshot/", "aws_ebs_snapshot", Last, "snapshot id (snap-...)"),
    t("ec2", "subnet/", "aws_subnet", Last, "subnet id (subnet-...)"),
    t(
        "ec2",
        "transit-gateway-route-table/",
        "aws_ec2_transit_gateway_route_table",
        Last,
        "route table id (tgw-rtb-...)",
    ),
    t("ec2", "transit-gateway/", "aws_ec2_transit_gateway", Last, "transit gateway id (tgw-...)"),
    t("ec2", "volume/", "aws_ebs_volume", Last, "volume id (vol-...)"),
    t("ec2", "vpc-endpoint/", "aws_vpc_endpoint", Last, "endpoint id (vpce-...)"),
    t("ec2", "vpc-flow-log/", "aws_flow_log", Last, "flow log id (fl-...)"),
    t("ec2", "vpc-peering-connection/", "aws_vpc_peering_connection", Last, "peering id (pcx-...)"),
    t("ec2", "vpc/", "aws_vpc", Last, "VPC id (vpc-...)"),
    t("ec2", "vpn-connection/", "aws_vpn_connection", Last, "VPN connection id (vpn-...)"),
    t("ec2", "vpn-gateway/", "aws_vpn_gateway", Last, "VPN gateway id (vgw-...)"),
    t("ecr", "repository/", "aws_ecr_repository", AfterType, "repository name"),
    t("ecs", "cluster/", "aws_ecs_cluster", AfterType, "cluster name"),
    t("ecs", "service/", "aws_ecs_service", EcsService, "cluster-name/service-name"),
    t("ecs", "task-definition/", "aws_ecs_task_definition", Arn, "task definition ARN"),
    t("eks", "cluster/", "aws_eks_cluster", AfterType, "cluster name"),
    t("eks", "nodegroup/", "aws_eks_node_group", EksNodeGroup, "cluster_name:node_group_name"),
    t("elasticache", "cluster:", "aws_elasticache_cluster", AfterType, "cluster id"),
    t("elasticache", "parametergroup:", "aws_elasticache_parameter_group", AfterType, "parameter group name"),
    t(
        "elasticache",
        "replicationgroup:",
        "aws_elasticache_replication_group",
        AfterType,
        "replication group id",
    ),
    t("elasticache", "subnetgroup:", "aws_elasticache_subnet_group", AfterType, "subnet group name"),
    t("elasticfilesystem", "access-point/", "aws_efs_access_point", Last, "access point id (fsap-...)"),
    t("elasticfilesystem", "file-system/", "aws_efs_file_system", Last, "file system id (fs-...)"),
    t("elasticloadbalancing", "listener-rule/", "aws_lb_listener_rule", Arn, "listener rule ARN"),
    t("elasticloadbalancing", "listener/", "aws_lb_listener", Arn, "listener ARN"),
    t("elasticloadbalancing", "loadbalancer/app/", "aws_lb", Arn, "load balancer ARN"),
    t("elasticloadbalancing", "loadbalancer/gwy/", "aws_lb", Arn, "load balancer ARN"),
    t("elasticloadbalancing", "loadbalancer/net/", "aws_lb", Arn, "load balancer ARN"),
    t("elasticloadbalancing", "loadbalancer/", "aws_elb", Last, "classic load balancer name"),
    t("elasticloadbalancing", "targetgroup/", "aws_lb_target_group", Arn, "target group ARN"),
    t("es", "domain/", "aws_opensearch_domain", AfterType, "domain name"),
    t("events", "event-bus/", "aws_cloudwatch_event_bus", AfterType, "event bus name"),
    t("events", "rule/", "aws_cloudwatch_event_rule", AfterType, "[event-bus-name/]rule-name"),
    t("firehose", "deliverystream/", "aws_kinesis_firehose_delivery_stream", Arn, "delivery stream ARN"),
    t("glue", "job/", "aws_glue_job", AfterType, "job name"),
    t("iam", "instance-profile/", "aws_iam_instance_profile", Last, "instance profile name"),
    t("iam", "oidc-provider/", "aws_iam_openid_connect_provider", Arn, "provider ARN"),
    t("iam", "policy/", "aws_iam_policy", Arn, "policy ARN"),
    t("iam", "role/", "aws_iam_role", Last, "role name"),
    t("iam", "saml-provider/", "aws_iam_saml_provider", Arn, "provider ARN"),
    t("iam", "server-certificate/", "aws_iam_server_certificate", Last, "certificate name"),
    t("iam", "user/", "aws_iam_user", Last, "user name"),
    t("kafka", "cluster/", "aws_msk_cluster", Arn, "cluster ARN"),
    t("kinesis", "stream/", "aws_kinesis_stream", AfterType, "stream name"),
    t("kms", "key/", "aws_kms_key", Last, "key id"),
    t("lambda", "function:", "aws_lambda_function", AfterType, "function name"),
    t("logs", "log-group:", "aws_cloudwatch_log_group", AfterType, "log group name"),
    t("mq", "broker:", "aws_mq_broker", Last, "broker id"),
    t("rds", "cluster-pg:", "aws_rds_cluster_parameter_group", AfterType, "parameter group name"),
    t("rds", "cluster-snapshot:", "aws_db_cluster_snapshot", AfterType, "snapshot identifier"),
    t("rds", "cluster:", "aws_rds_cluster", AfterType, "cluster identifier"),
    t("rds", "db:", "aws_db_instance", AfterType, "DB instance identifier"),
    t("rds", "og:", "aws_db_option_group", AfterType, "option group name"),
    t("rds", "pg:", "aws_db_parameter_group", AfterType, "parameter group name"),
    t("rds", "snapshot:", "aws_db_snapshot", AfterType, "snapshot identifier"),
    t("rds", "subgrp:", "aws_db_subnet_group", AfterType, "subnet group name"),
    t("redshift", "cluster:", "aws_redshift_cluster", AfterType, "cluster identifier"),
    t("route53", "healthcheck/", "aws_route53_health_check", Last, "health check id"),
    t("route53", "hostedzone/", "aws_route53_zone", Last, "zone id"),
    t("s3", "", "aws_s3_bucket", Resource, "bucket name"),
    t("secretsmanager", "secret:", "aws_secretsmanager_secret", Arn, "secret ARN"),
    t("sns", "", "aws_sns_topic", Arn, "topic ARN"),
    t("sqs", "", "aws_sqs_queue", SqsUrl, "queue URL"),
    t("ssm", "document/", "aws_ssm_document", AfterType, "document name"),
    t("ssm", "parameter/", "aws_ssm_parameter", SsmParameter, "parameter name"),
    t("states", "stateMachine:", "aws_sfn_state_machine", Arn, "state machine ARN"),
    t("wafv2", "global/webacl/", "aws_wafv2_web_acl", Wafv2, "ID/NAME/SCOPE"),
    t("wafv2", "regional/webacl/", "aws_wafv2_web_acl", Wafv2, "ID/NAME/SCOPE"),
];

/// API Gateway stages share the `/restapis/` and `/apis/` prefixes with their API.
static STAGES: &[ImportType] = &[
    t("apigateway", "/apis/", "aws_apigatewayv2_stage", ApiStage, "api-id/stage-name"),
    t("apigateway", "/restapis/", "aws_api_gateway_stage", ApiStage, "rest-api-id/stage-name"),
];

/// Resource kinds tally will not propose, and why: the id needs data the ARN does not carry,
/// or the ARN does not say which Terraform type it is.
pub(crate) static UNSUPPORTED: &[(&str, &str, &str)] = &[
    (
        "cloudwatch",
        "alarm:",
        "a metric alarm and a composite alarm share the ARN shape: pick the type by hand",
    ),
    ("ec2", "key-pair/", "the import id is the key name; the ARN carries the key pair id"),
    ("ec2", "security-group-rule/", "ingress or egress rule: the ARN does not say which"),
    ("ec2", "transit-gateway-attachment/", "VPC, peering or Connect attachment: the ARN does not say which"),
];

/// The ARN's parts: (partition, service, region, account, resource).
fn parts(arn: &str) -> Option<(&str, &str, &str, &str, &str)> {
    let mut it = arn.splitn(6, ':');
    let (prefix, partition, service, region, account, resource) =
        (it.next()?, it.next()?, it.next()?, it.next()?, it.next()?, it.next()?);
    (prefix == "arn").then_some((partition, service, region, account, resource))
}

/// The Terraform type and import id of a live resource, or why there is none.
pub(crate) fn import_id(live: &LiveResource) -> Result<(&'static str, String), String> {
    let arn = live.arn.strip_suffix(":*").unwrap_or(&live.arn);
    let (partition, service, region, account, resource) =
        parts(arn).ok_or_else(|| format!("\"{arn}\" is not an ARN"))?;
    if let Some((_, _, why)) = UNSUPPORTED.iter().find(|(s, p, _)| *s == service && resource.starts_with(p)) {
        return Err((*why).to_string());
    }
    let is_stage = service == "apigateway" && resource.contains("/stages/");
    let table = if is_stage { STAGES } else { TYPES };
    let entry = table
        .iter()
        .filter(|e| e.service == service && resource.starts_with(e.prefix))
        .max_by_key(|e| e.prefix.len())
        .ok_or_else(|| format!("no import id recipe for {service} resources like \"{resource}\""))?;
    let after_type = || {
        let i = resource.find(['/', ':'])?;
        Some(&resource[i + 1..]).filter(|s| !s.is_empty())
    };
    let last = || resource.rsplit(['/', ':']).next().filter(|s| !s.is_empty());
    let lacking = || format!("the ARN does not carry the {}", entry.doc);
    let id = match entry.recipe {
        Arn => Some(arn.to_string()),
        Last => last().map(str::to_string),
        AfterType => after_type().map(|s| match service {
            // A qualified function ARN (`function:name:alias`) names the function first.
            "lambda" => s.split(':').next().unwrap_or(s).to_string(),
            _ => s.to_string(),
        }),
        Resource => Some(resource.to_string()).filter(|s| !s.is_empty() && !s.contains('/')),
        SqsUrl => (partition == "aws" && !region.is_empty() && !account.is_empty())
            .then(|| format!("https://sqs.{region}.amazonaws.com/{account}/{resource}")),
        EcsService => after_type().filter(|s| s.split('/').count() == 2).map(str::to_string),
        EksNodeGroup => {
            let mut it = after_type().unwrap_or_default().split('/');
            match (it.next(), it.next()) {
                (Some(cluster), Some(name)) if !cluster.is_empty() && !name.is_empty() => {
                    Some(format!("{cluster}:{name}"))
                }
                _ => None,
            }
        }
        Wafv2 => {
            let segments: Vec<&str> = resource.split('/').collect();
            match segments.as_slice() {
                [scope, "webacl", name, id] => {
                    let scope = if *scope == "global" { "CLOUDFRONT" } else { "REGIONAL" };
                    Some(format!("{id}/{name}/{scope}"))
                }
                _ => None,
            }
        }
        SsmParameter => match live.attributes.get("name") {
            Some(name) => Some(name.clone()),
            None => after_type().filter(|s| s.contains('/')).map(|s| format!("/{s}")),
        },
        ApiStage => {
            let segments: Vec<&str> = resource.trim_start_matches('/').split('/').collect();
            match segments.as_slice() {
                [_, api, "stages", stage] => Some(format!("{api}/{stage}")),
                _ => None,
            }
        }
    };
    let id = id.ok_or_else(lacking)?;
    // API Gateway ids are the API alone: `/restapis/ID` with nothing after it.
    if service == "apigateway" && !is_stage && resource.trim_start_matches('/').split('/').count() != 2 {
        return Err(format!("no import id recipe for API Gateway resources like \"{resource}\""));
    }
    Ok((entry.terraform, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live(arn: &str) -> LiveResource {
        LiveResource {
            arn: arn.to_string(),
            account: "111111111111".into(),
            region: "eu-west-1".into(),
            resource_type: crate::model::Name::default(),
            tags: Default::default(),
            sources: Default::default(),
            attributes: Default::default(),
        }
    }

    fn id(arn: &str) -> Result<(&'static str, String), String> {
        import_id(&live(arn))
    }

    /// One example per recipe, in the shape the provider documentation shows.
    #[test]
    fn ids_follow_the_provider_docs() {
        let cases = [
            ("arn:aws:ec2:eu-west-1:111111111111:instance/i-0abc1234", "aws_instance", "i-0abc1234"),
            ("arn:aws:s3:::acme-logs", "aws_s3_bucket", "acme-logs"),
            ("arn:aws:lambda:eu-west-1:111111111111:function:resize", "aws_lambda_function", "resize"),
            ("arn:aws:lambda:eu-west-1:111111111111:function:resize:live", "aws_lambda_function", "resize"),
            (
                "arn:aws:sqs:eu-west-1:111111111111:jobs",
                "aws_sqs_queue",
                "https://sqs.eu-west-1.amazonaws.com/111111111111/jobs",
            ),
            (
                "arn:aws:sns:eu-west-1:111111111111:alerts",
                "aws_sns_topic",
                "arn:aws:sns:eu-west-1:111111111111:alerts",
            ),
            ("arn:aws:rds:eu-west-1:111111111111:db:orders", "aws_db_instance", "orders"),
            (
                "arn:aws:logs:eu-west-1:111111111111:log-group:/aws/lambda/x:*",
                "aws_cloudwatch_log_group",
                "/aws/lambda/x",
            ),
            (
                "arn:aws:events:eu-west-1:111111111111:rule/orders-bus/nightly",
                "aws_cloudwatch_event_rule",
                "orders-bus/nightly",
            ),
            ("arn:aws:events:eu-west-1:111111111111:rule/nightly", "aws_cloudwatch_event_rule", "nightly"),
            ("arn:aws:ecs:eu-west-1:111111111111:service/prod/web", "aws_ecs_service", "prod/web"),
            (
                "arn:aws:eks:eu-west-1:111111111111:nodegroup/prod/ng-1/4ab2-77",
                "aws_eks_node_group",
                "prod:ng-1",
            ),
            ("arn:aws:iam::111111111111:role/service/deployer", "aws_iam_role", "deployer"),
            (
                "arn:aws:iam::111111111111:policy/ops/read",
                "aws_iam_policy",
                "arn:aws:iam::111111111111:policy/ops/read",
            ),
            (
                "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/web/50dc6c495c0c9188",
                "aws_lb",
                "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/web/50dc6c495c0c9188",
            ),
            ("arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/legacy", "aws_elb", "legacy"),
            (
                "arn:aws:wafv2:eu-west-1:111111111111:regional/webacl/edge/a1b2c3",
                "aws_wafv2_web_acl",
                "a1b2c3/edge/REGIONAL",
            ),
            ("arn:aws:ssm:eu-west-1:111111111111:parameter/app/db/url", "aws_ssm_parameter", "/app/db/url"),
            ("arn:aws:apigateway:eu-west-1::/restapis/a1b2c3", "aws_api_gateway_rest_api", "a1b2c3"),
            (
                "arn:aws:apigateway:eu-west-1::/restapis/a1b2c3/stages/prod",
                "aws_api_gateway_stage",
                "a1b2c3/prod",
            ),
            ("arn:aws:route53:::hostedzone/Z123ABC", "aws_route53_zone", "Z123ABC"),
            ("arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab", "aws_kms_key", "1234abcd-12ab"),
            (
                "arn:aws:elasticache:eu-west-1:111111111111:cluster:redis-1",
                "aws_elasticache_cluster",
                "redis-1",
            ),
            ("arn:aws:mq:eu-west-1:111111111111:broker:orders:b-1234-5678", "aws_mq_broker", "b-1234-5678"),
            ("arn:aws:dynamodb:eu-west-1:111111111111:table/orders", "aws_dynamodb_table", "orders"),
        ];
        for (arn, tf, want) in cases {
            assert_eq!(id(arn), Ok((tf, want.to_string())), "{arn}");
        }
    }

    #[test]
    fn ids_that_need_data_the_arn_lacks_are_refused() {
        for arn in [
            "arn:aws:ec2:eu-west-1:111111111111:key-pair/key-0abc",
            "arn:aws:cloudwatch:eu-west-1:111111111111:alarm:cpu-high",
            "arn:aws:ecs:eu-west-1:111111111111:service/web",
            "arn:aws:ssm:eu-west-1:111111111111:parameter/flat",
            "arn:aws-cn:sqs:cn-north-1:111111111111:jobs",
            "arn:aws:apigateway:eu-west-1::/restapis/a1b2c3/resources/xyz",
            "arn:aws:sagemaker:eu-west-1:111111111111:notebook-instance/n",
        ] {
            assert!(id(arn).is_err(), "{arn} should not get an id");
        }
    }

    #[test]
    fn the_table_has_no_duplicate_keys_and_covers_sixty_types() {
        let mut keys: Vec<(&str, &str)> = TYPES.iter().map(|e| (e.service, e.prefix)).collect();
        keys.sort();
        let n = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), n);
        let types: std::collections::BTreeSet<&str> =
            TYPES.iter().chain(STAGES).map(|e| e.terraform).collect();
        assert!(types.len() >= 60, "{}", types.len());
        for e in TYPES.iter().chain(STAGES) {
            assert!(crate::terraform::taggable::is_taggable(e.terraform), "{} is not taggable", e.terraform);
        }
    }
}
