//! What a resource of each priced Terraform type uses in a month: the usage types (without
//! region prefix), operations, units and quantities its bill lines will carry, read from its
//! planned attributes. A month is 730 hours (8760 / 12), the convention of AWS's own
//! calculator; hourly usage is 730 x the count.
//!
//! This module says what is used, never what it costs: prices come from the bill's rates
//! (`super::rates`). An attribute Terraform computes at apply gives "unknown until apply", an
//! absent one its documented AWS default, never a guess. Types whose cost follows traffic or
//! requests (Lambda, S3, CloudWatch Logs, ...) are usage-based: no monthly number.

use rust_decimal::Decimal;
use serde_json::Value;

use crate::terraform::plan::KeptSide;

/// Hours in the month every estimate uses.
pub const HOURS_PER_MONTH: u32 = 730;

/// One usage a resource incurs per month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    /// What it is, for people (`instance hours`, `storage`).
    pub label: &'static str,
    /// Usage type without region prefix (`BoxUsage:m5.large`).
    pub usage: String,
    /// Unit family the quantity is in (`Hrs`, `GB-Mo`, ...).
    pub unit: &'static str,
    /// The operation that tells this usage apart when others share the usage type.
    pub operation: Option<&'static str>,
    /// The services whose lines count, where other services share the usage type.
    pub services: Option<&'static [&'static str]>,
    /// Quantity per month.
    pub quantity: Decimal,
}

/// What the catalog makes of one resource's attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// Fixed monthly usage.
    Fixed(Vec<Need>),
    /// Cost follows usage; the service its lines are billed under.
    UsageBased(&'static str),
    /// An attribute that decides the price is computed at apply.
    Unknown(String),
    /// Costs nothing by itself (a gateway VPC endpoint).
    Free,
}

/// One side (before or after) of a resource change: its attributes and which are unknown.
#[derive(Debug, Clone, Copy)]
pub struct Attrs<'a> {
    pub values: &'a KeptSide,
    pub unknown: &'a Value,
    /// The resource's configuration `expressions` (`Null` when the plan has none): an
    /// attribute the plan computes but the code does not set takes AWS's default.
    pub config: &'a Value,
    /// The module instance the resource is in (`module.app["blue"]`), empty in the root:
    /// references in `config` are relative to it.
    pub module: &'a str,
}

static NO_CONFIG: Value = Value::Null;

impl<'a> Attrs<'a> {
    /// Values known in full (a prior state's side), with no configuration.
    pub fn known(values: &'a KeptSide) -> Attrs<'a> {
        Attrs { values, unknown: &NO_CONFIG, config: &NO_CONFIG, module: "" }
    }
}

/// Launch templates and configurations of the plan, for auto scaling groups and node groups.
pub trait Templates {
    /// The instance type of the launch template with this id or name, if the plan knows it.
    fn instance_type(&self, id_or_name: &str) -> Option<String>;

    /// The instance type of the launch template at this address (`module.a.aws_launch_template.t`),
    /// if the plan creates or changes it.
    fn instance_type_at(&self, address: &str) -> Option<String>;
}

/// A field read failed: the attribute is computed at apply.
struct Unknown(String);

enum Val<'a> {
    Known(&'a Value),
    Absent,
}

impl<'a> Attrs<'a> {
    /// Walk `path`: object keys; nested blocks (lists of one object) are entered at [0].
    fn get(&self, path: &[&str]) -> Result<Val<'a>, Unknown> {
        // An object side's first key is looked up in its entries (`Null` stands for the side
        // until then: never called with an empty path); a side that is not one is walked whole.
        let mut v = match self.values {
            KeptSide::Object(_) => &Value::Null,
            KeptSide::Other(whole) => whole,
        };
        let mut u = self.unknown;
        for (i, key) in path.iter().enumerate() {
            if let Value::Array(items) = v {
                v = items.first().unwrap_or(&Value::Null);
                u = match u {
                    Value::Array(us) => us.first().unwrap_or(&Value::Null),
                    other => other,
                };
            }
            if u == &Value::Bool(true) {
                return self.computed(path);
            }
            u = u.get(key).unwrap_or(&Value::Null);
            let next = match self.values {
                KeptSide::Object(_) if i == 0 => self.values.get(key),
                _ => v.get(key),
            };
            v = next.unwrap_or(&Value::Null);
        }
        if u == &Value::Bool(true) {
            return self.computed(path);
        }
        Ok(if v.is_null() { Val::Absent } else { Val::Known(v) })
    }

    /// An attribute the plan leaves unknown: absent (AWS's default applies) when the code does
    /// not set it, inside blocks the code writes; unknown until apply otherwise. Without the
    /// resource's configuration, or past a block the code does not write literally (it may be
    /// `dynamic`), unknown.
    fn computed(&self, path: &[&str]) -> Result<Val<'a>, Unknown> {
        let unknown = || Err(Unknown(path.join(".")));
        let mut c = self.config;
        if !c.is_object() {
            return unknown();
        }
        for (i, key) in path.iter().enumerate() {
            if let Value::Array(blocks) = c {
                match blocks.as_slice() {
                    [one] => c = one,
                    _ => return unknown(),
                }
            }
            match c.get(key) {
                None => return if i + 1 == path.len() { Ok(Val::Absent) } else { unknown() },
                Some(e) => c = e,
            }
        }
        match c.get("constant_value") {
            Some(Value::Null) => Ok(Val::Absent),
            _ => unknown(),
        }
    }

    /// The code's expression at `path` in the configuration (nested blocks entered at their
    /// first), `Null` when it writes none.
    fn expression(&self, path: &[&str]) -> &'a Value {
        let mut c = self.config;
        for key in path {
            if let Value::Array(blocks) = c {
                c = blocks.first().unwrap_or(&Value::Null);
            }
            c = c.get(key).unwrap_or(&Value::Null);
        }
        c
    }

    /// Whether the attribute will have a value: known and not null, or unknown but set by the
    /// code (`instance = aws_instance.web.id`: which instance is not known, that there is one is).
    fn is_set(&self, path: &[&str]) -> Result<bool, Unknown> {
        match self.get(path) {
            Ok(v) => Ok(matches!(v, Val::Known(_))),
            Err(e) => {
                let c = self.expression(path);
                match c.get("constant_value") {
                    None if c.get("references").is_some() => Ok(true),
                    Some(v) if !v.is_null() => Ok(true),
                    _ => Err(e),
                }
            }
        }
    }

    /// The resources the code's expression at `path` refers to, as addresses in the plan
    /// (`module.a.aws_launch_template.t`): Terraform lists each reference with its shorter
    /// prefixes (`aws_launch_template.t.id`, `aws_launch_template.t`).
    fn references(&self, path: &[&str]) -> Vec<String> {
        let Some(Value::Array(refs)) = self.expression(path).get("references") else { return Vec::new() };
        refs.iter()
            .filter_map(Value::as_str)
            .map(|r| if self.module.is_empty() { r.to_string() } else { format!("{}.{r}", self.module) })
            .collect()
    }

    fn str(&self, path: &[&str]) -> Result<Option<&'a str>, Unknown> {
        Ok(match self.get(path)? {
            Val::Known(Value::String(s)) if !s.is_empty() => Some(s.as_str()),
            _ => None,
        })
    }

    fn need_str(&self, path: &[&str]) -> Result<&'a str, Unknown> {
        self.str(path)?.ok_or_else(|| Unknown(path.join(".")))
    }

    fn num(&self, path: &[&str]) -> Result<Option<Decimal>, Unknown> {
        Ok(match self.get(path)? {
            Val::Known(Value::Number(n)) => n.to_string().parse::<Decimal>().ok(),
            Val::Known(Value::String(s)) => s.parse::<Decimal>().ok(),
            _ => None,
        })
    }

    fn bool(&self, path: &[&str]) -> Result<bool, Unknown> {
        Ok(matches!(self.get(path)?, Val::Known(Value::Bool(true))))
    }

    fn list_len(&self, path: &[&str]) -> Result<usize, Unknown> {
        Ok(match self.get(path)? {
            Val::Known(Value::Array(a)) => a.len(),
            _ => 0,
        })
    }
}

fn hours(count: Decimal) -> Decimal {
    count.checked_mul(Decimal::from(HOURS_PER_MONTH)).unwrap_or(Decimal::MAX)
}

fn need(
    label: &'static str,
    usage: String,
    unit: &'static str,
    op: Option<&'static str>,
    q: Decimal,
) -> Need {
    Need { label, usage, unit, operation: op, services: None, quantity: q }
}

const RDS: &[&str] = &["Amazon Relational Database Service", "AmazonRDS"];
const DOCDB: &[&str] = &["Amazon DocumentDB (with MongoDB compatibility)", "AmazonDocDB"];
const NEPTUNE: &[&str] = &["Amazon Neptune", "AmazonNeptune"];

fn of(services: &'static [&'static str], mut n: Need) -> Need {
    n.services = Some(services);
    n
}

/// The Terraform types tally prices from fixed monthly usage (documented in docs/pricing.md).
pub const FIXED_TYPES: &[&str] = &[
    "aws_alb",
    "aws_autoscaling_group",
    "aws_cloudwatch_metric_alarm",
    "aws_db_instance",
    "aws_docdb_cluster_instance",
    "aws_dynamodb_table",
    "aws_ebs_volume",
    "aws_ec2_transit_gateway_vpc_attachment",
    "aws_eip",
    "aws_eks_cluster",
    "aws_eks_node_group",
    "aws_elasticache_cluster",
    "aws_elasticache_replication_group",
    "aws_elasticsearch_domain",
    "aws_elb",
    "aws_instance",
    "aws_kms_key",
    "aws_lb",
    "aws_msk_cluster",
    "aws_nat_gateway",
    "aws_neptune_cluster_instance",
    "aws_opensearch_domain",
    "aws_rds_cluster_instance",
    "aws_redshift_cluster",
    "aws_route53_zone",
    "aws_secretsmanager_secret",
    "aws_vpc_endpoint",
    "aws_vpn_connection",
];

/// Types whose cost follows usage, and the service their lines are billed under.
pub const USAGE_BASED: &[(&str, &str)] = &[
    ("aws_apigatewayv2_api", "Amazon API Gateway"),
    ("aws_api_gateway_rest_api", "Amazon API Gateway"),
    ("aws_cloudfront_distribution", "Amazon CloudFront"),
    ("aws_cloudwatch_log_group", "AmazonCloudWatch"),
    ("aws_ecr_repository", "Amazon EC2 Container Registry (ECR)"),
    ("aws_ecs_service", "Amazon Elastic Container Service"),
    ("aws_efs_file_system", "Amazon Elastic File System"),
    ("aws_kinesis_firehose_delivery_stream", "Amazon Kinesis Firehose"),
    ("aws_lambda_function", "AWS Lambda"),
    ("aws_rds_cluster", "Amazon Relational Database Service"),
    ("aws_s3_bucket", "Amazon Simple Storage Service"),
    ("aws_sfn_state_machine", "AWS Step Functions"),
    ("aws_sns_topic", "Amazon Simple Notification Service"),
    ("aws_sqs_queue", "Amazon Simple Queue Service"),
];

/// Every top-level attribute of a resource's `before`/`after` that [`shape`] reads, for any
/// type, and those the plan's own readers of kept changes read (`region`; a launch template's
/// `id`, `name` and `instance_type`): the plan reader keeps only these. A test prices every
/// fixture plan with and without this filter and compares.
pub const READS: &[&str] = &[
    "allocated_storage",
    "billing_mode",
    "broker_node_group_info",
    "cluster_config",
    "desired_capacity",
    "ebs_options",
    "engine",
    "id",
    "instance",
    "instance_class",
    "instance_type",
    "instance_types",
    "iops",
    "launch_configuration",
    "launch_template",
    "load_balancer_type",
    "min_size",
    "multi_az",
    "name",
    "network_interface",
    "node_type",
    "num_cache_clusters",
    "num_cache_nodes",
    "num_node_groups",
    "number_of_broker_nodes",
    "number_of_nodes",
    "period",
    "read_capacity",
    "region",
    "replicas_per_node_group",
    "replication_group_id",
    "scaling_config",
    "size",
    "storage_type",
    "subnet_ids",
    "tenancy",
    "throughput",
    "type",
    "vpc_endpoint_type",
    "write_capacity",
];

/// Whether [`READS`] names `attribute`.
pub fn reads(attribute: &str) -> bool {
    READS.binary_search(&attribute).is_ok()
}

/// Whether tally has anything to say about the cost of `ty`.
pub fn is_priced(ty: &str) -> bool {
    FIXED_TYPES.contains(&ty) || USAGE_BASED.iter().any(|(t, _)| *t == ty)
}

/// The monthly usage of one side of a resource of type `ty`; `None` for a type tally does
/// not price.
pub fn shape(ty: &str, a: Attrs<'_>, templates: &dyn Templates) -> Option<Shape> {
    if let Some((_, service)) = USAGE_BASED.iter().find(|(t, _)| *t == ty) {
        return Some(Shape::UsageBased(service));
    }
    if !FIXED_TYPES.contains(&ty) {
        return None;
    }
    Some(match fixed(ty, a, templates) {
        Ok(s) => s,
        Err(Unknown(attr)) => Shape::Unknown(attr),
    })
}

fn one() -> Decimal {
    Decimal::ONE
}

/// RDS operations per engine (the `lineItem/Operation` of its instance hours).
fn rds_operation(engine: &str) -> Option<&'static str> {
    Some(match engine {
        "mysql" => "CreateDBInstance:0002",
        "postgres" => "CreateDBInstance:0014",
        "mariadb" => "CreateDBInstance:0018",
        "aurora-mysql" | "aurora" => "CreateDBInstance:0016",
        "aurora-postgresql" => "CreateDBInstance:0021",
        _ => return None,
    })
}

fn fixed(ty: &str, a: Attrs<'_>, templates: &dyn Templates) -> Result<Shape, Unknown> {
    let mut needs = Vec::new();
    match ty {
        "aws_instance" => {
            let it = a.need_str(&["instance_type"])?;
            // `tenancy` is computed in nearly every plan; AWS's default is shared tenancy, and
            // only an explicit `dedicated` changes the usage type.
            let usage = match a.str(&["tenancy"]).unwrap_or(None) {
                Some("dedicated") => format!("DedicatedUsage:{it}"),
                _ => format!("BoxUsage:{it}"),
            };
            needs.push(need("instance hours", usage, "Hrs", Some("RunInstances"), hours(one())));
        }
        "aws_autoscaling_group" => {
            let count = match a.num(&["desired_capacity"])? {
                Some(n) => n,
                // AWS starts a group without a desired capacity at its minimum size.
                None => a.num(&["min_size"])?.unwrap_or_default(),
            };
            // The id of a template created in the same plan is computed: the code's reference
            // to it names the template's address.
            let by_id = a.str(&["launch_template", "id"]);
            let configuration = a.str(&["launch_configuration"]);
            let by_reference =
                |path: &[&str]| a.references(path).iter().find_map(|r| templates.instance_type_at(r));
            let it = if let Ok(Some(name)) = configuration {
                // A launch configuration's group: its launch template block is computed.
                templates.instance_type(name)
            } else {
                match (a.str(&["launch_template", "name"])?, by_id) {
                    (Some(name), _) => templates.instance_type(name),
                    (None, Ok(Some(id))) => templates.instance_type(id),
                    (None, Err(e)) => Some(by_reference(&["launch_template", "id"]).ok_or(e)?),
                    (None, Ok(None)) => match configuration {
                        Ok(_) => return Err(Unknown("launch_configuration".into())),
                        Err(e) => Some(by_reference(&["launch_configuration"]).ok_or(e)?),
                    },
                }
            };
            let it = it.ok_or_else(|| Unknown("launch_template.instance_type".to_string()))?;
            needs.push(need(
                "instance hours",
                format!("BoxUsage:{it}"),
                "Hrs",
                Some("RunInstances"),
                hours(count),
            ));
        }
        "aws_eks_node_group" => {
            let count = a.num(&["scaling_config", "desired_size"])?.unwrap_or_default();
            let it = match a.get(&["instance_types"])? {
                Val::Known(Value::Array(types)) if !types.is_empty() => {
                    types[0].as_str().ok_or_else(|| Unknown("instance_types".into()))?.to_string()
                }
                // EKS uses t3.medium when neither instance_types nor a launch template says.
                _ if matches!(a.get(&["launch_template"])?, Val::Absent) => "t3.medium".to_string(),
                // Else the launch template's type, by name, id or the code's reference.
                _ => {
                    let found = match (a.str(&["launch_template", "name"]), a.str(&["launch_template", "id"]))
                    {
                        (Ok(Some(name)), _) => templates.instance_type(name),
                        (_, Ok(Some(id))) => templates.instance_type(id),
                        _ => ["id", "name"].iter().find_map(|k| {
                            a.references(&["launch_template", k])
                                .iter()
                                .find_map(|r| templates.instance_type_at(r))
                        }),
                    };
                    found.ok_or_else(|| Unknown("launch_template.instance_type".into()))?
                }
            };
            needs.push(need(
                "instance hours",
                format!("BoxUsage:{it}"),
                "Hrs",
                Some("RunInstances"),
                hours(count),
            ));
        }
        "aws_ebs_volume" => {
            let kind = a.need_str(&["type"])?;
            let size = a.num(&["size"])?.ok_or_else(|| Unknown("size".into()))?;
            let storage = match kind {
                "standard" => "EBS:VolumeUsage".to_string(),
                "io1" => "EBS:VolumeUsage.piops".to_string(),
                k => format!("EBS:VolumeUsage.{k}"),
            };
            needs.push(need("storage", storage, "GB-Mo", None, size));
            let iops = a.num(&["iops"])?.unwrap_or_default();
            match kind {
                "io1" => needs.push(need(
                    "provisioned IOPS",
                    "EBS:VolumeP-IOPS.piops".into(),
                    "IOPS-Mo",
                    None,
                    iops,
                )),
                "io2" => {
                    needs.push(need("provisioned IOPS", "EBS:VolumeP-IOPS.io2".into(), "IOPS-Mo", None, iops))
                }
                "gp3" => {
                    // gp3 includes 3,000 IOPS and 125 MiB/s; only what is above is billed.
                    let extra = iops.checked_sub(Decimal::from(3000)).unwrap_or_default().max(Decimal::ZERO);
                    if extra > Decimal::ZERO {
                        needs.push(need(
                            "IOPS above 3,000",
                            "EBS:VolumeP-IOPS.gp3".into(),
                            "IOPS-Mo",
                            None,
                            extra,
                        ));
                    }
                    let tp = a.num(&["throughput"])?.unwrap_or_default();
                    let extra = tp.checked_sub(Decimal::from(125)).unwrap_or_default().max(Decimal::ZERO);
                    if extra > Decimal::ZERO {
                        // Billed per GiBps-month: MiB/s / 1024.
                        let gibps = extra.checked_div(Decimal::from(1024)).unwrap_or_default();
                        needs.push(need(
                            "throughput above 125 MiB/s",
                            "EBS:VolumeP-Throughput.gp3".into(),
                            "GiBps-mo",
                            None,
                            gibps,
                        ));
                    }
                }
                _ => {}
            }
        }
        "aws_db_instance" => {
            let class = a.need_str(&["instance_class"])?;
            let engine = a.need_str(&["engine"])?;
            let multi = a.bool(&["multi_az"])?;
            let usage =
                if multi { format!("Multi-AZUsage:{class}") } else { format!("InstanceUsage:{class}") };
            needs.push(of(RDS, need("instance hours", usage, "Hrs", rds_operation(engine), hours(one()))));
            if !engine.starts_with("aurora") {
                let size =
                    a.num(&["allocated_storage"])?.ok_or_else(|| Unknown("allocated_storage".into()))?;
                let st = a.need_str(&["storage_type"])?;
                let prefix = if multi { "RDS:Multi-AZ-" } else { "RDS:" };
                let storage = match st {
                    "gp2" => format!("{prefix}GP2-Storage"),
                    "gp3" => format!("{prefix}GP3-Storage"),
                    "io1" | "io2" => format!("{prefix}PIOPS-Storage"),
                    _ => format!("{prefix}StorageUsage"),
                };
                needs.push(need("storage", storage, "GB-Mo", None, size));
                if matches!(st, "io1" | "io2") {
                    let iops = a.num(&["iops"])?.unwrap_or_default();
                    needs.push(need("provisioned IOPS", format!("{prefix}PIOPS"), "IOPS-Mo", None, iops));
                }
            }
        }
        "aws_rds_cluster_instance" => {
            let class = a.need_str(&["instance_class"])?;
            let engine = a.need_str(&["engine"])?;
            let n = need(
                "instance hours",
                format!("InstanceUsage:{class}"),
                "Hrs",
                rds_operation(engine),
                hours(one()),
            );
            needs.push(of(RDS, n));
        }
        "aws_docdb_cluster_instance" | "aws_neptune_cluster_instance" => {
            let class = a.need_str(&["instance_class"])?;
            let services = if ty == "aws_docdb_cluster_instance" { DOCDB } else { NEPTUNE };
            needs.push(of(
                services,
                need("instance hours", format!("InstanceUsage:{class}"), "Hrs", None, hours(one())),
            ));
        }
        "aws_nat_gateway" => {
            needs.push(need("gateway hours", "NatGateway-Hours".into(), "Hrs", None, hours(one())));
        }
        "aws_lb" | "aws_alb" => {
            let op = match a.str(&["load_balancer_type"])?.unwrap_or("application") {
                "network" => "LoadBalancing:Network",
                "gateway" => "LoadBalancing:Gateway",
                _ => "LoadBalancing:Application",
            };
            needs.push(need(
                "load balancer hours",
                "LoadBalancerUsage".into(),
                "Hrs",
                Some(op),
                hours(one()),
            ));
        }
        "aws_elb" => {
            needs.push(need(
                "load balancer hours",
                "LoadBalancerUsage".into(),
                "Hrs",
                Some("LoadBalancing"),
                hours(one()),
            ));
        }
        "aws_eip" => {
            let attached = a.is_set(&["instance"])? || a.is_set(&["network_interface"])?;
            let usage = if attached { "PublicIPv4:InUseAddress" } else { "PublicIPv4:IdleAddress" };
            needs.push(need("public IPv4 hours", usage.into(), "Hrs", None, hours(one())));
        }
        "aws_elasticache_cluster" => {
            if a.str(&["replication_group_id"])?.is_some() && a.str(&["node_type"])?.is_none() {
                // A member of a replication group: the group is priced.
                return Ok(Shape::Free);
            }
            let nt = a.need_str(&["node_type"])?;
            let n = a.num(&["num_cache_nodes"])?.unwrap_or(one());
            needs.push(need("node hours", format!("NodeUsage:{nt}"), "Hrs", None, hours(n)));
        }
        "aws_elasticache_replication_group" => {
            let nt = a.need_str(&["node_type"])?;
            let n = match a.num(&["num_cache_clusters"])? {
                Some(n) => n,
                None => {
                    let groups = a.num(&["num_node_groups"])?.unwrap_or(one());
                    let replicas = a.num(&["replicas_per_node_group"])?.unwrap_or_default();
                    replicas.checked_add(one()).and_then(|r| groups.checked_mul(r)).unwrap_or(Decimal::MAX)
                }
            };
            needs.push(need("node hours", format!("NodeUsage:{nt}"), "Hrs", None, hours(n)));
        }
        "aws_opensearch_domain" | "aws_elasticsearch_domain" => {
            let it = a.need_str(&["cluster_config", "instance_type"])?;
            let n = a.num(&["cluster_config", "instance_count"])?.unwrap_or(one());
            needs.push(need("instance hours", format!("ESInstance:{it}"), "Hrs", None, hours(n)));
            if a.bool(&["cluster_config", "dedicated_master_enabled"])? {
                let mt = a.need_str(&["cluster_config", "dedicated_master_type"])?;
                let m = a.num(&["cluster_config", "dedicated_master_count"])?.unwrap_or(Decimal::from(3));
                needs.push(need("dedicated master hours", format!("ESInstance:{mt}"), "Hrs", None, hours(m)));
            }
            if a.bool(&["ebs_options", "ebs_enabled"])? {
                let size = a
                    .num(&["ebs_options", "volume_size"])?
                    .ok_or_else(|| Unknown("ebs_options.volume_size".into()))?;
                let vt = a.str(&["ebs_options", "volume_type"])?.unwrap_or("gp2");
                let usage = format!("ES:{}-Storage", vt.to_ascii_uppercase());
                needs.push(need(
                    "storage",
                    usage,
                    "GB-Mo",
                    None,
                    size.checked_mul(n).unwrap_or(Decimal::MAX),
                ));
            }
        }
        "aws_msk_cluster" => {
            let it = a.need_str(&["broker_node_group_info", "instance_type"])?;
            let n = a
                .num(&["number_of_broker_nodes"])?
                .ok_or_else(|| Unknown("number_of_broker_nodes".into()))?;
            let bare = it.strip_prefix("kafka.").unwrap_or(it);
            needs.push(need("broker hours", format!("Kafka.{bare}"), "Hrs", None, hours(n)));
            let size = match a.num(&[
                "broker_node_group_info",
                "storage_info",
                "ebs_storage_info",
                "volume_size",
            ])? {
                Some(s) => Some(s),
                None => a.num(&["broker_node_group_info", "ebs_volume_size"])?,
            };
            if let Some(size) = size {
                needs.push(need(
                    "storage",
                    "Kafka.Storage.GP2".into(),
                    "GB-Mo",
                    None,
                    size.checked_mul(n).unwrap_or(Decimal::MAX),
                ));
            }
        }
        "aws_redshift_cluster" => {
            let nt = a.need_str(&["node_type"])?;
            let n = a.num(&["number_of_nodes"])?.unwrap_or(one());
            needs.push(need("node hours", format!("Node:{nt}"), "Hrs", None, hours(n)));
        }
        "aws_eks_cluster" => {
            needs.push(need("cluster hours", "AmazonEKS-Hours:perCluster".into(), "Hrs", None, hours(one())));
        }
        "aws_kms_key" => needs.push(need("key", "KMS-Keys".into(), "Keys", None, one())),
        "aws_secretsmanager_secret" => {
            needs.push(need("secret", "AWSSecretsManager-Secrets".into(), "Secrets", None, one()));
        }
        "aws_dynamodb_table" => {
            if a.str(&["billing_mode"])?.unwrap_or("PROVISIONED") == "PAY_PER_REQUEST" {
                return Ok(Shape::UsageBased("Amazon DynamoDB"));
            }
            let r = a.num(&["read_capacity"])?.unwrap_or_default();
            let w = a.num(&["write_capacity"])?.unwrap_or_default();
            needs.push(need(
                "read capacity",
                "ReadCapacityUnit-Hrs".into(),
                "ReadCapacityUnit-Hrs",
                None,
                hours(r),
            ));
            needs.push(need(
                "write capacity",
                "WriteCapacityUnit-Hrs".into(),
                "WriteCapacityUnit-Hrs",
                None,
                hours(w),
            ));
        }
        "aws_cloudwatch_metric_alarm" => {
            let high_res = a.num(&["period"])?.is_some_and(|p| p < Decimal::from(60));
            let usage = if high_res { "CW:HighResAlarmMonitorUsage" } else { "CW:AlarmMonitorUsage" };
            needs.push(need("alarm", usage.into(), "Alarms", None, one()));
        }
        "aws_route53_zone" => needs.push(need("hosted zone", "HostedZone".into(), "HostedZone", None, one())),
        "aws_vpc_endpoint" => {
            if a.str(&["vpc_endpoint_type"])?.unwrap_or("Gateway") == "Gateway" {
                return Ok(Shape::Free);
            }
            let n = a.list_len(&["subnet_ids"])?;
            needs.push(need(
                "endpoint hours (per subnet)",
                "VpcEndpoint-Hours".into(),
                "Hrs",
                None,
                hours(Decimal::from(n)),
            ));
        }
        "aws_ec2_transit_gateway_vpc_attachment" => {
            needs.push(need("attachment hours", "TransitGateway-Hours".into(), "Hrs", None, hours(one())));
        }
        "aws_vpn_connection" => {
            needs.push(need("connection hours", "VPN-Usage-Hours:ipsec.1".into(), "Hrs", None, hours(one())));
        }
        _ => return Ok(Shape::Free),
    }
    // Every priced change's shapes are held until the plan is priced: one or two needs, not
    // the four places of a list's first push.
    needs.shrink_to_fit();
    Ok(Shape::Fixed(needs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    struct NoTemplates;
    impl Templates for NoTemplates {
        fn instance_type_at(&self, _: &str) -> Option<String> {
            None
        }

        fn instance_type(&self, _: &str) -> Option<String> {
            None
        }
    }

    fn shape_of(ty: &str, values: Value, unknown: Value) -> Shape {
        shape(
            ty,
            Attrs {
                values: &KeptSide::from_value(values),
                unknown: &unknown,
                config: &Value::Null,
                module: "",
            },
            &NoTemplates,
        )
        .unwrap()
    }

    #[test]
    fn every_fixed_type_has_a_shape() {
        assert!(FIXED_TYPES.len() >= 25, "{}", FIXED_TYPES.len());
        for ty in FIXED_TYPES {
            assert!(shape(ty, Attrs::known(&KeptSide::from_value(json!({}))), &NoTemplates).is_some());
        }
    }

    #[test]
    fn unknown_until_apply_names_the_attribute() {
        let s = shape_of("aws_instance", json!({}), json!({"instance_type": true}));
        assert_eq!(s, Shape::Unknown("instance_type".into()));
        let s = shape_of(
            "aws_autoscaling_group",
            json!({"desired_capacity": 2, "launch_template": [{}]}),
            json!({"launch_template": [{"id": true}]}),
        );
        assert_eq!(s, Shape::Unknown("launch_template.id".into()));
    }

    #[test]
    fn computed_tenancy_is_shared() {
        let s = shape_of("aws_instance", json!({"instance_type": "m5.large"}), json!({"tenancy": true}));
        let Shape::Fixed(needs) = s else { panic!("{s:?}") };
        assert_eq!(needs[0].usage, "BoxUsage:m5.large");
    }

    #[test]
    fn gp3_bills_only_above_the_baseline() {
        let s = shape_of(
            "aws_ebs_volume",
            json!({"type": "gp3", "size": 100, "iops": 4000, "throughput": 250}),
            json!({}),
        );
        let Shape::Fixed(needs) = s else { panic!() };
        let q: Vec<(String, Decimal)> = needs.iter().map(|n| (n.usage.clone(), n.quantity)).collect();
        assert_eq!(q[0], ("EBS:VolumeUsage.gp3".into(), Decimal::from(100)));
        assert_eq!(q[1], ("EBS:VolumeP-IOPS.gp3".into(), Decimal::from(1000)));
        assert_eq!(q[2].1, Decimal::from(125) / Decimal::from(1024));
    }

    #[test]
    fn on_demand_dynamodb_is_usage_based() {
        let s = shape_of("aws_dynamodb_table", json!({"billing_mode": "PAY_PER_REQUEST"}), json!({}));
        assert_eq!(s, Shape::UsageBased("Amazon DynamoDB"));
        let s = shape_of("aws_dynamodb_table", json!({"read_capacity": 5, "write_capacity": 2}), json!({}));
        let Shape::Fixed(needs) = s else { panic!() };
        assert_eq!(needs[0].quantity, Decimal::from(3650));
        assert_eq!(needs[1].quantity, Decimal::from(1460));
    }

    /// What the provider computes and the code leaves unset takes AWS's default; what the
    /// code sets from something unknown stays unknown until apply.
    #[test]
    fn computed_but_unset_attributes_take_the_default() {
        let gp3 = |config: Value| {
            let values = KeptSide::from_value(json!({"type": "gp3", "size": 100}));
            let unknown = json!({"iops": true, "throughput": true});
            shape(
                "aws_ebs_volume",
                Attrs { values: &values, unknown: &unknown, config: &config, module: "" },
                &NoTemplates,
            )
            .unwrap()
        };
        let storage_only =
            |s: Shape| matches!(&s, Shape::Fixed(n) if n.len() == 1 && n[0].usage == "EBS:VolumeUsage.gp3");
        // Unset in the code (or set to null): the 3,000 IOPS and 125 MiB/s gp3 includes.
        assert!(storage_only(gp3(
            json!({"size": {"constant_value": 100}, "type": {"constant_value": "gp3"}})
        )));
        assert!(storage_only(gp3(
            json!({"iops": {"constant_value": null}, "throughput": {"constant_value": null}})
        )));
        // Set from something the plan does not know: unknown until apply.
        assert_eq!(gp3(json!({"iops": {"references": ["var.iops"]}})), Shape::Unknown("iops".into()));
        // No configuration for the resource: nothing says the code leaves it unset.
        assert_eq!(gp3(Value::Null), Shape::Unknown("iops".into()));
        // Inside a block the code does not write literally (it may be `dynamic`): unknown.
        let values = KeptSide::from_value(json!({"desired_capacity": 2, "launch_template": [{}]}));
        let unknown = json!({"launch_template": [{"id": true, "name": true}]});
        let config = json!({"desired_capacity": {"constant_value": 2}});
        let a = Attrs { values: &values, unknown: &unknown, config: &config, module: "" };
        assert_eq!(
            shape("aws_autoscaling_group", a, &NoTemplates),
            Some(Shape::Unknown("launch_template.name".into()))
        );
    }

    /// A group whose template is created in the same plan: its id is unknown, the code's
    /// reference names the template, in the group's own module instance.
    #[test]
    fn a_template_created_in_the_plan_is_found_by_reference() {
        struct One;
        impl Templates for One {
            fn instance_type_at(&self, address: &str) -> Option<String> {
                (address == "module.app[\"blue\"].aws_launch_template.t").then(|| "c5.large".to_string())
            }
            fn instance_type(&self, _: &str) -> Option<String> {
                None
            }
        }
        let values =
            KeptSide::from_value(json!({"desired_capacity": 2, "launch_template": [{"version": "$Latest"}]}));
        let unknown = json!({"launch_template": [{"id": true, "name": true}]});
        let config = json!({"launch_template": [{"id": {"references": ["aws_launch_template.t.id", "aws_launch_template.t"]}}]});
        let attrs = |module| Attrs { values: &values, unknown: &unknown, config: &config, module };
        let Some(Shape::Fixed(needs)) = shape("aws_autoscaling_group", attrs("module.app[\"blue\"]"), &One)
        else {
            panic!()
        };
        assert_eq!((needs[0].usage.as_str(), needs[0].quantity), ("BoxUsage:c5.large", Decimal::from(1460)));
        // The same reference from the root names another template: not known.
        assert_eq!(
            shape("aws_autoscaling_group", attrs(""), &One),
            Some(Shape::Unknown("launch_template.id".into()))
        );
    }
}
