//! The table of resource types tally asks Cloud Control for: each type's CloudFormation name,
//! tally's type name, how its ARN is made, whether it is listed once per account or under a
//! parent, what a list entry must carry, and the IAM actions its handlers call. Kept apart
//! from the calls (`cloudcontrol.rs`) because adding a type is an edit here only.

use std::collections::BTreeSet;

/// The instance model's attached volumes: read only when an untagged volume needs an owner.
pub(super) const VOLUMES: &str = "Volumes";

/// How the ARN of a resource is made from Cloud Control's identifier.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ArnFrom {
    /// The identifier is the ARN (or its first `|`-separated part).
    Identifier,
    /// `{partition}`, `{region}`, `{account}` and `{id}` (the identifier's first part) filled in.
    Pattern(&'static str),
    /// A property of the full model holds it (IAM roles and users: the path is in the ARN and
    /// not in the identifier).
    Property(&'static str),
    /// An SQS queue URL: `https://sqs.REGION.amazonaws.com/ACCOUNT/NAME`.
    QueueUrl,
    /// An Elastic IP's `PublicIp|AllocationId`: the ARN names the allocation.
    Allocation,
}

/// One resource type tally asks Cloud Control for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CcType {
    /// CloudFormation name: `AWS::EC2::Instance`.
    pub name: &'static str,
    /// tally's (the tagging API's) type name: `ec2:instance`.
    pub kind: &'static str,
    pub arn: ArnFrom,
    /// Listed once per account (in the first region collected) rather than per region: IAM is
    /// global and S3 lists every bucket of the account wherever asked.
    pub account_wide: bool,
    /// The type whose resources are this one's parents, and the model key naming the parent
    /// in `ListResources`' `ResourceModel` (ECS services are listed per cluster).
    pub parent: Option<(&'static str, &'static str)>,
    /// Properties tally reads beyond tags (for the ARN or for owner inference); a list entry
    /// without them is completed with `GetResource`.
    pub needs: &'static [&'static str],
    /// IAM actions Cloud Control's list and read handlers of the type call with the caller's
    /// credentials (`docs/iam-policy.json`).
    pub actions: &'static [&'static str],
}

const fn t(name: &'static str, kind: &'static str, arn: ArnFrom, actions: &'static [&'static str]) -> CcType {
    CcType { name, kind, arn, account_wide: false, parent: None, needs: &[], actions }
}

use ArnFrom::{Allocation, Identifier, Pattern, Property, QueueUrl};

/// The covered types: what costs money or what policies care about. `docs/inventory.md` lists
/// them with the types that are not covered and why ([`NOT_COVERED`]).
pub(crate) const TYPES: &[CcType] = &[
    // Compute.
    CcType {
        needs: &[VOLUMES],
        ..t(
            "AWS::EC2::Instance",
            "ec2:instance",
            Pattern("arn:{partition}:ec2:{region}:{account}:instance/{id}"),
            &["ec2:DescribeInstances"],
        )
    },
    t(
        "AWS::EC2::Volume",
        "ec2:volume",
        Pattern("arn:{partition}:ec2:{region}:{account}:volume/{id}"),
        &["ec2:DescribeVolumes"],
    ),
    t("AWS::EC2::EIP", "ec2:elastic-ip", Allocation, &["ec2:DescribeAddresses"]),
    t(
        "AWS::EC2::NatGateway",
        "ec2:natgateway",
        Pattern("arn:{partition}:ec2:{region}:{account}:natgateway/{id}"),
        &["ec2:DescribeNatGateways"],
    ),
    t(
        "AWS::EC2::LaunchTemplate",
        "ec2:launch-template",
        Pattern("arn:{partition}:ec2:{region}:{account}:launch-template/{id}"),
        &["ec2:DescribeLaunchTemplates", "ec2:DescribeLaunchTemplateVersions"],
    ),
    t(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        "elasticloadbalancing:loadbalancer",
        Identifier,
        &[
            "elasticloadbalancing:DescribeLoadBalancers",
            "elasticloadbalancing:DescribeLoadBalancerAttributes",
            "elasticloadbalancing:DescribeTags",
        ],
    ),
    t(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        "elasticloadbalancing:targetgroup",
        Identifier,
        &[
            "elasticloadbalancing:DescribeTargetGroups",
            "elasticloadbalancing:DescribeTargetGroupAttributes",
            "elasticloadbalancing:DescribeTags",
        ],
    ),
    // Data.
    t(
        "AWS::RDS::DBInstance",
        "rds:db",
        Pattern("arn:{partition}:rds:{region}:{account}:db:{id}"),
        &["rds:DescribeDBInstances"],
    ),
    t(
        "AWS::RDS::DBCluster",
        "rds:cluster",
        Pattern("arn:{partition}:rds:{region}:{account}:cluster:{id}"),
        &["rds:DescribeDBClusters"],
    ),
    t(
        "AWS::DynamoDB::Table",
        "dynamodb:table",
        Pattern("arn:{partition}:dynamodb:{region}:{account}:table/{id}"),
        &["dynamodb:DescribeTable", "dynamodb:ListTables", "dynamodb:ListTagsOfResource"],
    ),
    CcType {
        account_wide: true,
        ..t(
            "AWS::S3::Bucket",
            "s3",
            Pattern("arn:{partition}:s3:::{id}"),
            &["s3:GetBucketTagging", "s3:ListAllMyBuckets"],
        )
    },
    t(
        "AWS::EFS::FileSystem",
        "elasticfilesystem:file-system",
        Pattern("arn:{partition}:elasticfilesystem:{region}:{account}:file-system/{id}"),
        &["elasticfilesystem:DescribeFileSystems"],
    ),
    t(
        "AWS::ElastiCache::ServerlessCache",
        "elasticache:serverlesscache",
        Pattern("arn:{partition}:elasticache:{region}:{account}:serverlesscache:{id}"),
        &["elasticache:DescribeServerlessCaches", "elasticache:ListTagsForResource"],
    ),
    t(
        "AWS::OpenSearchService::Domain",
        "es:domain",
        Pattern("arn:{partition}:es:{region}:{account}:domain/{id}"),
        &["es:DescribeDomain", "es:ListDomainNames", "es:ListTags"],
    ),
    t(
        "AWS::Redshift::Cluster",
        "redshift:cluster",
        Pattern("arn:{partition}:redshift:{region}:{account}:cluster:{id}"),
        &["redshift:DescribeClusters"],
    ),
    t(
        "AWS::Kinesis::Stream",
        "kinesis:stream",
        Pattern("arn:{partition}:kinesis:{region}:{account}:stream/{id}"),
        &["kinesis:DescribeStreamSummary", "kinesis:ListStreams", "kinesis:ListTagsForStream"],
    ),
    t("AWS::MSK::Cluster", "kafka:cluster", Identifier, &["kafka:DescribeCluster", "kafka:ListClusters"]),
    // Serverless and containers.
    t(
        "AWS::Lambda::Function",
        "lambda:function",
        Pattern("arn:{partition}:lambda:{region}:{account}:function:{id}"),
        &["lambda:GetFunction", "lambda:ListFunctions", "lambda:ListTags"],
    ),
    t(
        "AWS::ECS::Cluster",
        "ecs:cluster",
        Pattern("arn:{partition}:ecs:{region}:{account}:cluster/{id}"),
        &["ecs:DescribeClusters", "ecs:ListClusters"],
    ),
    CcType {
        parent: Some(("AWS::ECS::Cluster", "Cluster")),
        ..t("AWS::ECS::Service", "ecs:service", Identifier, &["ecs:DescribeServices", "ecs:ListServices"])
    },
    t(
        "AWS::EKS::Cluster",
        "eks:cluster",
        Pattern("arn:{partition}:eks:{region}:{account}:cluster/{id}"),
        &["eks:DescribeCluster", "eks:ListClusters"],
    ),
    t(
        "AWS::ECR::Repository",
        "ecr:repository",
        Pattern("arn:{partition}:ecr:{region}:{account}:repository/{id}"),
        &["ecr:DescribeRepositories", "ecr:ListTagsForResource"],
    ),
    t(
        "AWS::StepFunctions::StateMachine",
        "states:stateMachine",
        Identifier,
        &["states:DescribeStateMachine", "states:ListStateMachines", "states:ListTagsForResource"],
    ),
    // Messaging.
    t("AWS::SQS::Queue", "sqs", QueueUrl, &["sqs:GetQueueAttributes", "sqs:ListQueueTags", "sqs:ListQueues"]),
    t(
        "AWS::SNS::Topic",
        "sns",
        Identifier,
        &["sns:GetTopicAttributes", "sns:ListTagsForResource", "sns:ListTopics"],
    ),
    CcType {
        needs: &["Name"],
        ..t(
            "AWS::Events::EventBus",
            "events:event-bus",
            Pattern("arn:{partition}:events:{region}:{account}:event-bus/{id}"),
            &["events:DescribeEventBus", "events:ListEventBuses", "events:ListTagsForResource"],
        )
    },
    t(
        "AWS::Events::Rule",
        "events:rule",
        Identifier,
        &["events:DescribeRule", "events:ListRules", "events:ListTargetsByRule"],
    ),
    // Security and identity.
    t(
        "AWS::KMS::Key",
        "kms:key",
        Pattern("arn:{partition}:kms:{region}:{account}:key/{id}"),
        &[
            "kms:DescribeKey",
            "kms:GetKeyPolicy",
            "kms:GetKeyRotationStatus",
            "kms:ListKeys",
            "kms:ListResourceTags",
        ],
    ),
    t(
        "AWS::SecretsManager::Secret",
        "secretsmanager:secret",
        Identifier,
        &["secretsmanager:DescribeSecret", "secretsmanager:ListSecrets"],
    ),
    CcType {
        account_wide: true,
        needs: &["Arn"],
        ..t(
            "AWS::IAM::Role",
            "iam:role",
            Property("Arn"),
            &["iam:GetRole", "iam:ListRoles", "iam:ListRoleTags"],
        )
    },
    CcType {
        account_wide: true,
        needs: &["Arn"],
        ..t(
            "AWS::IAM::User",
            "iam:user",
            Property("Arn"),
            &["iam:GetUser", "iam:ListUserTags", "iam:ListUsers"],
        )
    },
    CcType {
        account_wide: true,
        ..t(
            "AWS::IAM::ManagedPolicy",
            "iam:policy",
            Identifier,
            &["iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicies"],
        )
    },
    // Networking.
    CcType {
        needs: &["CidrBlock"],
        ..t(
            "AWS::EC2::VPC",
            "ec2:vpc",
            Pattern("arn:{partition}:ec2:{region}:{account}:vpc/{id}"),
            &["ec2:DescribeVpcs"],
        )
    },
    CcType {
        needs: &["VpcId", "CidrBlock", "MapPublicIpOnLaunch"],
        ..t(
            "AWS::EC2::Subnet",
            "ec2:subnet",
            Pattern("arn:{partition}:ec2:{region}:{account}:subnet/{id}"),
            &["ec2:DescribeSubnets"],
        )
    },
    CcType {
        needs: &["GroupName"],
        ..t(
            "AWS::EC2::SecurityGroup",
            "ec2:security-group",
            Pattern("arn:{partition}:ec2:{region}:{account}:security-group/{id}"),
            &["ec2:DescribeSecurityGroups"],
        )
    },
    t(
        "AWS::EC2::VPCEndpoint",
        "ec2:vpc-endpoint",
        Pattern("arn:{partition}:ec2:{region}:{account}:vpc-endpoint/{id}"),
        &["ec2:DescribeVpcEndpoints"],
    ),
    t(
        "AWS::EC2::VPCPeeringConnection",
        "ec2:vpc-peering-connection",
        Pattern("arn:{partition}:ec2:{region}:{account}:vpc-peering-connection/{id}"),
        &["ec2:DescribeVpcPeeringConnections"],
    ),
    t(
        "AWS::EC2::TransitGateway",
        "ec2:transit-gateway",
        Pattern("arn:{partition}:ec2:{region}:{account}:transit-gateway/{id}"),
        &["ec2:DescribeTransitGateways"],
    ),
    t(
        "AWS::EC2::FlowLog",
        "ec2:vpc-flow-log",
        Pattern("arn:{partition}:ec2:{region}:{account}:vpc-flow-log/{id}"),
        &["ec2:DescribeFlowLogs"],
    ),
    // Logs, monitoring, configuration, backup.
    t(
        "AWS::Logs::LogGroup",
        "logs:log-group",
        Pattern("arn:{partition}:logs:{region}:{account}:log-group:{id}"),
        &["logs:DescribeLogGroups", "logs:ListTagsForResource"],
    ),
    t(
        "AWS::CloudWatch::Alarm",
        "cloudwatch:alarm",
        Pattern("arn:{partition}:cloudwatch:{region}:{account}:alarm:{id}"),
        &["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"],
    ),
    t(
        "AWS::SSM::Parameter",
        "ssm:parameter",
        Pattern("arn:{partition}:ssm:{region}:{account}:parameter/{id}"),
        &["ssm:DescribeParameters", "ssm:GetParameters", "ssm:ListTagsForResource"],
    ),
    t(
        "AWS::Backup::BackupVault",
        "backup:backup-vault",
        Pattern("arn:{partition}:backup:{region}:{account}:backup-vault:{id}"),
        &["backup:DescribeBackupVault", "backup:ListBackupVaults", "backup:ListTags"],
    ),
];

/// Types asked for alongside KMS keys, not reported as resources: the targets of the
/// `alias/aws/...` aliases are the keys AWS manages (Cloud Control's key model has no
/// `KeyManager`).
pub(super) const KMS_ALIAS: &str = "AWS::KMS::Alias";
const KMS_ALIAS_ACTIONS: &[&str] = &["kms:ListAliases"];

/// Types of the list that are not covered, and why.
pub const NOT_COVERED: &[(&str, &str)] = &[
    ("ec2:snapshot", "Cloud Control has no EBS snapshot type"),
    ("ec2:image", "Cloud Control has no AMI type"),
    (
        "autoscaling:autoScalingGroup",
        "Cloud Control's model has no ARN (it carries a generated id), so it cannot be matched with state",
    ),
    (
        "elasticache:cluster",
        "AWS::ElastiCache::CacheCluster is not served by Cloud Control (serverless caches are)",
    ),
    ("acm:certificate", "AWS::CertificateManager::Certificate is not served by Cloud Control"),
    (
        "ec2:route-table, ec2:network-acl, ec2:internet-gateway",
        "Cloud Control's models do not say which ones AWS created with the default VPC",
    ),
    ("eks:nodegroup", "its ARN carries a generated id Cloud Control's identifier does not have"),
];

/// The covered type of a CloudFormation name.
pub(crate) fn by_name(name: &str) -> Option<&'static CcType> {
    TYPES.iter().find(|t| t.name == name)
}

/// The covered type of a tally type name (`ec2:instance`).
pub(crate) fn by_kind(kind: &str) -> Option<&'static CcType> {
    TYPES.iter().find(|t| t.kind == kind)
}

/// Every IAM action Cloud Control needs for the covered types, sorted (for the policy test).
pub fn read_actions() -> Vec<&'static str> {
    let mut all: BTreeSet<&'static str> = TYPES.iter().flat_map(|t| t.actions.iter().copied()).collect();
    all.extend(KMS_ALIAS_ACTIONS);
    all.into_iter().collect()
}
