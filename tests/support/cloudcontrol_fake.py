"""A loopback fake of the AWS Cloud Control API for the integration tests and the bench.

moto does not serve Cloud Control. This server answers its JSON 1.0 protocol
(`X-Amz-Target: CloudApiService.ListResources` / `CloudApiService.GetResource`) from moto's own
state, read with boto3 as the caller (the access key and session token of the request: moto maps
them to the caller's account), so one seeded account is seen through both APIs.

Like the real API, a list entry carries only the type's primary identifier, and `GetResource`
the full model (CloudFormation property names, tags as `Tags`). The default VPC's model has no
`IsDefault`, as in AWS.

Faults, per account, set with `POST /fake/faults` and a JSON body
`{"account": "...", "deny": ["AWS::EC2::Instance", ...] | ["*"], "throttle_every": N,
  "page_size": N, "rate": R, "regions": [...]}`:
  deny            those types answer AccessDeniedException (the caller lacks the service's reads)
  throttle_every  every Nth request of the account answers ThrottlingException
  page_size       at most N resources per ListResources page (NextToken paging)
  rate            at most R requests per second per account and region (a token bucket), the
                  rest ThrottlingException: Cloud Control's own low default rates, for the bench
  regions         the faults apply in these regions only (default: every region)
`GET /fake/stats` returns request counts.

Usage: cloudcontrol_fake.py PORT MOTO_ENDPOINT   (prints "ready"; exits with its parent)
"""

import json
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
from botocore.config import Config

port = int(sys.argv[1])
moto = sys.argv[2]
parent = os.getppid()

lock = threading.Lock()
local = threading.local()  # local.full: the lister is asked for whole models (GetResource)
cache = {}  # (creds, region, type, model, full) -> (time, items): reads come in bursts
CACHE_SECONDS = 1.0


def full():
    """Whether whole models are wanted: a list returns identifiers only, so the per-resource tag
    calls of the listers are skipped for it."""
    return getattr(local, "full", False)
faults = {}  # account -> dict
counters = {}  # account -> requests so far
buckets = {}  # (account, region) -> [tokens, last refill]
stats = {"ListResources": 0, "GetResource": 0, "throttled": 0, "denied": 0}
clients = {}
account_of_key = {}
session = boto3.session.Session()
session_lock = threading.Lock()


def client(creds, service, region):
    key = (creds, service, region)
    with lock:
        c = clients.get(key)
    if c is None:
        akid, token = creds
        # One session: service models are loaded once, not per client (the slow part).
        with session_lock:
            c = session.client(
            service,
            region_name=region,
            endpoint_url=moto,
            aws_access_key_id=akid,
            aws_secret_access_key="fake",
            aws_session_token=token or None,
            config=Config(retries={"max_attempts": 1}),
            )
        with lock:
            clients[key] = c
    return c


def tag_list(tags, k="Key", v="Value"):
    if isinstance(tags, dict):
        return [{"Key": a, "Value": b} for a, b in tags.items()]
    return [{"Key": t[k], "Value": t[v]} for t in tags or []]


def tags_arg(tags):
    return {"Tags": tags} if tags else {}


# Each lister returns [(identifier, full properties)] for one account and region.


def ec2_instances(c, region, account, model):
    out = []
    for r in c("ec2").describe_instances()["Reservations"]:
        for i in r["Instances"]:
            if i["State"]["Name"] in ("terminated", "shutting-down"):
                continue
            volumes = [{"VolumeId": m["Ebs"]["VolumeId"], "Device": m["DeviceName"]}
                       for m in i.get("BlockDeviceMappings", []) if "Ebs" in m]
            out.append((i["InstanceId"], {"InstanceId": i["InstanceId"], "InstanceType": i.get("InstanceType"),
                                          "SubnetId": i.get("SubnetId"), "Volumes": volumes,
                                          **tags_arg(tag_list(i.get("Tags")))}))
    return out


def ec2_simple(method, key, id_field, props=()):
    def lister(c, region, account, model):
        out = []
        for item in c("ec2").__getattribute__(method)()[key]:
            p = {id_field if id_field != "GroupId" else "Id": item[id_field]}
            for name, src in props:
                if src in item:
                    p[name] = item[src]
            p.update(tags_arg(tag_list(item.get("Tags"))))
            out.append((item[id_field], p))
        return out
    return lister


def ec2_addresses(c, region, account, model):
    out = []
    for a in c("ec2").describe_addresses()["Addresses"]:
        ident = f"{a['PublicIp']}|{a['AllocationId']}"
        out.append((ident, {"PublicIp": a["PublicIp"], "AllocationId": a["AllocationId"],
                            **tags_arg(tag_list(a.get("Tags")))}))
    return out


def launch_templates(c, region, account, model):
    out = []
    for t in c("ec2").describe_launch_templates()["LaunchTemplates"]:
        p = {"LaunchTemplateId": t["LaunchTemplateId"], "LaunchTemplateName": t["LaunchTemplateName"]}
        if t.get("Tags"):
            p["TagSpecifications"] = [{"ResourceType": "launch-template", "Tags": tag_list(t["Tags"])}]
        out.append((t["LaunchTemplateId"], p))
    return out


def elb_tags(c, arns):
    tags = {}
    for i in range(0, len(arns), 20):
        for d in c("elbv2").describe_tags(ResourceArns=arns[i:i + 20])["TagDescriptions"]:
            tags[d["ResourceArn"]] = tag_list(d.get("Tags"))
    return tags


def load_balancers(c, region, account, model):
    lbs = c("elbv2").describe_load_balancers()["LoadBalancers"]
    tags = elb_tags(c, [lb["LoadBalancerArn"] for lb in lbs])
    return [(lb["LoadBalancerArn"], {"LoadBalancerArn": lb["LoadBalancerArn"], "Name": lb["LoadBalancerName"],
                                     **tags_arg(tags.get(lb["LoadBalancerArn"]))}) for lb in lbs]


def target_groups(c, region, account, model):
    tgs = c("elbv2").describe_target_groups()["TargetGroups"]
    tags = elb_tags(c, [t["TargetGroupArn"] for t in tgs])
    return [(t["TargetGroupArn"], {"TargetGroupArn": t["TargetGroupArn"], **tags_arg(tags.get(t["TargetGroupArn"]))})
            for t in tgs]


def rds_instances(c, region, account, model):
    return [(d["DBInstanceIdentifier"], {"DBInstanceIdentifier": d["DBInstanceIdentifier"],
                                         **tags_arg(tag_list(d.get("TagList")))})
            for d in c("rds").describe_db_instances()["DBInstances"]]


def rds_clusters(c, region, account, model):
    return [(d["DBClusterIdentifier"], {"DBClusterIdentifier": d["DBClusterIdentifier"],
                                        **tags_arg(tag_list(d.get("TagList")))})
            for d in c("rds").describe_db_clusters()["DBClusters"]]


def dynamodb_tables(c, region, account, model):
    out = []
    ddb = c("dynamodb")
    for name in ddb.list_tables()["TableNames"]:
        arn = ddb.describe_table(TableName=name)["Table"]["TableArn"]
        tags = ddb.list_tags_of_resource(ResourceArn=arn).get("Tags", []) if full() else []
        out.append((name, {"TableName": name, "Arn": arn, **tags_arg(tag_list(tags))}))
    return out


def s3_buckets(c, region, account, model):
    out = []
    s3 = c("s3")
    for b in s3.list_buckets()["Buckets"]:
        try:
            tags = s3.get_bucket_tagging(Bucket=b["Name"])["TagSet"] if full() else []
        except Exception:
            tags = []
        out.append((b["Name"], {"BucketName": b["Name"], **tags_arg(tag_list(tags))}))
    return out


def efs(c, region, account, model):
    return [(f["FileSystemId"], {"FileSystemId": f["FileSystemId"], "FileSystemTags": tag_list(f.get("Tags"))})
            for f in c("efs").describe_file_systems()["FileSystems"]]


def opensearch(c, region, account, model):
    out = []
    o = c("opensearch")
    for d in o.list_domain_names()["DomainNames"]:
        arn = f"arn:aws:es:{region}:{account}:domain/{d['DomainName']}"
        out.append((d["DomainName"], {"DomainName": d["DomainName"], **(tags_arg(o.list_tags(ARN=arn).get("TagList")) if full() else {})}))
    return out


def redshift(c, region, account, model):
    return [(d["ClusterIdentifier"], {"ClusterIdentifier": d["ClusterIdentifier"], **tags_arg(tag_list(d.get("Tags")))})
            for d in c("redshift").describe_clusters()["Clusters"]]


def kinesis(c, region, account, model):
    k = c("kinesis")
    out = []
    for name in k.list_streams()["StreamNames"]:
        out.append((name, {"Name": name, **(tags_arg(tag_list(k.list_tags_for_stream(StreamName=name)["Tags"])) if full() else {})}))
    return out


def msk(c, region, account, model):
    return [(d["ClusterArn"], {"Arn": d["ClusterArn"], "ClusterName": d["ClusterName"], "Tags": d.get("Tags", {})})
            for d in c("kafka").list_clusters()["ClusterInfoList"]]


def lambdas(c, region, account, model):
    lam = c("lambda")
    out = []
    for f in lam.list_functions()["Functions"]:
        tags = lam.list_tags(Resource=f["FunctionArn"]).get("Tags", {}) if full() else {}
        out.append((f["FunctionName"], {"FunctionName": f["FunctionName"], "Arn": f["FunctionArn"],
                                        **tags_arg(tag_list(tags))}))
    return out


def ecs_clusters(c, region, account, model):
    ecs = c("ecs")
    arns = ecs.list_clusters()["clusterArns"]
    if not arns:
        return []
    out = []
    for cl in ecs.describe_clusters(clusters=arns, include=["TAGS"])["clusters"]:
        out.append((cl["clusterName"], {"ClusterName": cl["clusterName"], "Arn": cl["clusterArn"],
                                        **tags_arg(tag_list(cl.get("tags"), "key", "value"))}))
    return out


def ecs_services(c, region, account, model):
    cluster = (model or {}).get("Cluster")
    if not cluster:
        raise Fault(400, "InvalidRequestException", "AWS::ECS::Service needs a ResourceModel naming the Cluster")
    ecs = c("ecs")
    arns = ecs.list_services(cluster=cluster)["serviceArns"]
    if not arns:
        return []
    out = []
    for s in ecs.describe_services(cluster=cluster, services=arns, include=["TAGS"])["services"]:
        out.append((f"{s['serviceArn']}|{cluster}", {"ServiceArn": s["serviceArn"], "Cluster": cluster,
                                                     **tags_arg(tag_list(s.get("tags"), "key", "value"))}))
    return out


def eks(c, region, account, model):
    e = c("eks")
    out = []
    for name in e.list_clusters()["clusters"]:
        tags = e.describe_cluster(name=name)["cluster"].get("tags", {}) if full() else {}
        out.append((name, {"Name": name, **tags_arg(tag_list(tags))}))
    return out


def ecr(c, region, account, model):
    r = c("ecr")
    out = []
    for repo in r.describe_repositories()["repositories"]:
        tags = r.list_tags_for_resource(resourceArn=repo["repositoryArn"]).get("tags", []) if full() else []
        out.append((repo["repositoryName"], {"RepositoryName": repo["repositoryName"], **tags_arg(tag_list(tags))}))
    return out


def state_machines(c, region, account, model):
    sf = c("stepfunctions")
    out = []
    for m in sf.list_state_machines()["stateMachines"]:
        tags = sf.list_tags_for_resource(resourceArn=m["stateMachineArn"]).get("tags", []) if full() else []
        out.append((m["stateMachineArn"], {"Arn": m["stateMachineArn"], **tags_arg(tag_list(tags, "key", "value"))}))
    return out


def queues(c, region, account, model):
    sqs = c("sqs")
    out = []
    for url in sqs.list_queues().get("QueueUrls", []):
        tags = sqs.list_queue_tags(QueueUrl=url).get("Tags", {}) if full() else {}
        out.append((url, {"QueueUrl": url, **tags_arg(tag_list(tags))}))
    return out


def topics(c, region, account, model):
    sns = c("sns")
    out = []
    for t in sns.list_topics()["Topics"]:
        tags = sns.list_tags_for_resource(ResourceArn=t["TopicArn"]).get("Tags", []) if full() else []
        out.append((t["TopicArn"], {"TopicArn": t["TopicArn"], **tags_arg(tag_list(tags))}))
    return out


def event_buses(c, region, account, model):
    ev = c("events")
    out = []
    for b in ev.list_event_buses()["EventBuses"]:
        tags = ev.list_tags_for_resource(ResourceARN=b["Arn"]).get("Tags", []) if full() else []
        out.append((b["Name"], {"Name": b["Name"], "Arn": b["Arn"], **tags_arg(tag_list(tags))}))
    return out


def event_rules(c, region, account, model):
    return [(r["Arn"], {"Arn": r["Arn"], "Name": r["Name"]}) for r in c("events").list_rules()["Rules"]]


def kms_keys(c, region, account, model):
    kms = c("kms")
    out = []
    for k in kms.list_keys()["Keys"]:
        tags = kms.list_resource_tags(KeyId=k["KeyId"]).get("Tags", []) if full() else []
        out.append((k["KeyId"], {"KeyId": k["KeyId"], "Arn": k["KeyArn"], **tags_arg(tag_list(tags, "TagKey", "TagValue"))}))
    return out


def kms_aliases(c, region, account, model):
    return [(a["AliasName"], {"AliasName": a["AliasName"], "TargetKeyId": a.get("TargetKeyId")})
            for a in c("kms").list_aliases()["Aliases"] if a.get("TargetKeyId")]


def secrets(c, region, account, model):
    return [(s["ARN"], {"Id": s["ARN"], "Name": s["Name"], **tags_arg(tag_list(s.get("Tags")))})
            for s in c("secretsmanager").list_secrets()["SecretList"]]


def iam_roles(c, region, account, model):
    iam = c("iam")
    out = []
    for r in iam.list_roles()["Roles"]:
        tags = iam.list_role_tags(RoleName=r["RoleName"]).get("Tags", []) if full() else []
        out.append((r["RoleName"], {"RoleName": r["RoleName"], "Arn": r["Arn"], "Path": r["Path"],
                                    **tags_arg(tag_list(tags))}))
    return out


def iam_users(c, region, account, model):
    iam = c("iam")
    out = []
    for u in iam.list_users()["Users"]:
        tags = iam.list_user_tags(UserName=u["UserName"]).get("Tags", []) if full() else []
        out.append((u["UserName"], {"UserName": u["UserName"], "Arn": u["Arn"], **tags_arg(tag_list(tags))}))
    return out


def iam_policies(c, region, account, model):
    return [(p["Arn"], {"PolicyArn": p["Arn"], "ManagedPolicyName": p["PolicyName"]})
            for p in c("iam").list_policies(Scope="Local")["Policies"]]


def log_groups(c, region, account, model):
    logs = c("logs")
    out = []
    for g in logs.describe_log_groups()["logGroups"]:
        tags = logs.list_tags_log_group(logGroupName=g["logGroupName"]).get("tags", {}) if full() else {}
        out.append((g["logGroupName"], {"LogGroupName": g["logGroupName"], **tags_arg(tag_list(tags))}))
    return out


def alarms(c, region, account, model):
    cw = c("cloudwatch")
    out = []
    for a in cw.describe_alarms()["MetricAlarms"]:
        tags = cw.list_tags_for_resource(ResourceARN=a["AlarmArn"]).get("Tags", []) if full() else []
        out.append((a["AlarmName"], {"AlarmName": a["AlarmName"], **tags_arg(tag_list(tags))}))
    return out


def parameters(c, region, account, model):
    ssm = c("ssm")
    out = []
    for p in ssm.describe_parameters()["Parameters"]:
        tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=p["Name"]).get("TagList", []) if full() else []
        out.append((p["Name"], {"Name": p["Name"], "Tags": {t["Key"]: t["Value"] for t in tags}}))
    return out


def backup_vaults(c, region, account, model):
    b = c("backup")
    out = []
    for v in b.list_backup_vaults()["BackupVaultList"]:
        tags = b.list_tags(ResourceArn=v["BackupVaultArn"]).get("Tags", {}) if full() else {}
        out.append((v["BackupVaultName"], {"BackupVaultName": v["BackupVaultName"], "BackupVaultTags": tags}))
    return out


LISTERS = {
    "AWS::EC2::Instance": (ec2_instances, ["InstanceId"]),
    "AWS::EC2::Volume": (ec2_simple("describe_volumes", "Volumes", "VolumeId"), ["VolumeId"]),
    "AWS::EC2::EIP": (ec2_addresses, ["PublicIp", "AllocationId"]),
    "AWS::EC2::NatGateway": (ec2_simple("describe_nat_gateways", "NatGateways", "NatGatewayId"), ["NatGatewayId"]),
    "AWS::EC2::LaunchTemplate": (launch_templates, ["LaunchTemplateId"]),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": (load_balancers, ["LoadBalancerArn"]),
    "AWS::ElasticLoadBalancingV2::TargetGroup": (target_groups, ["TargetGroupArn"]),
    "AWS::RDS::DBInstance": (rds_instances, ["DBInstanceIdentifier"]),
    "AWS::RDS::DBCluster": (rds_clusters, ["DBClusterIdentifier"]),
    "AWS::DynamoDB::Table": (dynamodb_tables, ["TableName"]),
    "AWS::S3::Bucket": (s3_buckets, ["BucketName"]),
    "AWS::EFS::FileSystem": (efs, ["FileSystemId"]),
    "AWS::OpenSearchService::Domain": (opensearch, ["DomainName"]),
    "AWS::Redshift::Cluster": (redshift, ["ClusterIdentifier"]),
    "AWS::Kinesis::Stream": (kinesis, ["Name"]),
    "AWS::MSK::Cluster": (msk, ["Arn"]),
    "AWS::Lambda::Function": (lambdas, ["FunctionName"]),
    "AWS::ECS::Cluster": (ecs_clusters, ["ClusterName"]),
    "AWS::ECS::Service": (ecs_services, ["ServiceArn", "Cluster"]),
    "AWS::EKS::Cluster": (eks, ["Name"]),
    "AWS::ECR::Repository": (ecr, ["RepositoryName"]),
    "AWS::StepFunctions::StateMachine": (state_machines, ["Arn"]),
    "AWS::SQS::Queue": (queues, ["QueueUrl"]),
    "AWS::SNS::Topic": (topics, ["TopicArn"]),
    "AWS::Events::EventBus": (event_buses, ["Name"]),
    "AWS::Events::Rule": (event_rules, ["Arn"]),
    "AWS::KMS::Key": (kms_keys, ["KeyId"]),
    "AWS::KMS::Alias": (kms_aliases, ["AliasName"]),
    "AWS::SecretsManager::Secret": (secrets, ["Id"]),
    "AWS::IAM::Role": (iam_roles, ["RoleName"]),
    "AWS::IAM::User": (iam_users, ["UserName"]),
    "AWS::IAM::ManagedPolicy": (iam_policies, ["PolicyArn"]),
    "AWS::EC2::VPC": (ec2_simple("describe_vpcs", "Vpcs", "VpcId", [("CidrBlock", "CidrBlock")]), ["VpcId"]),
    "AWS::EC2::Subnet": (ec2_simple("describe_subnets", "Subnets", "SubnetId",
                                    [("VpcId", "VpcId"), ("CidrBlock", "CidrBlock"),
                                     ("MapPublicIpOnLaunch", "MapPublicIpOnLaunch"),
                                     ("AvailabilityZone", "AvailabilityZone")]), ["SubnetId"]),
    "AWS::EC2::SecurityGroup": (ec2_simple("describe_security_groups", "SecurityGroups", "GroupId",
                                           [("GroupName", "GroupName"), ("VpcId", "VpcId")]), ["Id"]),
    "AWS::EC2::VPCEndpoint": (ec2_simple("describe_vpc_endpoints", "VpcEndpoints", "VpcEndpointId"), ["Id"]),
    "AWS::EC2::VPCPeeringConnection": (ec2_simple("describe_vpc_peering_connections", "VpcPeeringConnections",
                                                  "VpcPeeringConnectionId"), ["Id"]),
    "AWS::EC2::TransitGateway": (ec2_simple("describe_transit_gateways", "TransitGateways", "TransitGatewayId"), ["Id"]),
    "AWS::EC2::FlowLog": (ec2_simple("describe_flow_logs", "FlowLogs", "FlowLogId"), ["Id"]),
    "AWS::Logs::LogGroup": (log_groups, ["LogGroupName"]),
    "AWS::CloudWatch::Alarm": (alarms, ["AlarmName"]),
    "AWS::SSM::Parameter": (parameters, ["Name"]),
    "AWS::Backup::BackupVault": (backup_vaults, ["BackupVaultName"]),
}


class Fault(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def resources(creds, region, account, type_name, model, whole=False):
    key = (creds, region, type_name, json.dumps(model, sort_keys=True), whole)
    now = time.monotonic()
    with lock:
        hit = cache.get(key)
    if hit and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    lister, _ = LISTERS[type_name]
    local.full = whole
    try:
        items = lister(lambda service: client(creds, service, region), region, account, model)
    except Fault:
        raise
    except Exception as e:  # moto does not implement the service: nothing can be seeded there
        if "NotImplemented" in repr(e) or "500" in repr(e) or "not yet implemented" in repr(e):
            return []
        raise
    items = sorted(items, key=lambda i: i[0])
    with lock:
        cache[key] = (now, items)
    return items


def caller(headers):
    auth = headers.get("Authorization", "")
    m = re.search(r"Credential=([^/]+)/\d+/([^/]+)/", auth)
    if not m:
        raise Fault(400, "InvalidClientTokenId", "no SigV4 credential in the request")
    akid, region = m.group(1), m.group(2)
    creds = (akid, headers.get("X-Amz-Security-Token", ""))
    with lock:
        account = account_of_key.get(creds)
    if account is None:
        account = client(creds, "sts", "us-east-1").get_caller_identity()["Account"]
        with lock:
            account_of_key[creds] = account
    return creds, region, account


def admit(account, region, type_name):
    """Apply the account's faults to one request."""
    with lock:
        f = faults.get(account, {})
        if f.get("regions") and region not in f["regions"]:
            f = {}
        counters[account] = counters.get(account, 0) + 1
        n = counters[account]
        every = f.get("throttle_every")
        if every and n % every == 0:
            stats["throttled"] += 1
            raise Fault(400, "ThrottlingException", "Rate exceeded")
        rate = f.get("rate")
        if rate:
            now = time.monotonic()
            tokens, last = buckets.get((account, region), [float(rate), now])
            tokens = min(float(rate), tokens + (now - last) * rate)
            if tokens < 1:
                buckets[(account, region)] = [tokens, now]
                stats["throttled"] += 1
                raise Fault(400, "ThrottlingException", "Rate exceeded")
            buckets[(account, region)] = [tokens - 1, now]
        deny = f.get("deny", [])
        if "*" in deny or type_name in deny:
            stats["denied"] += 1
            raise Fault(400, "AccessDeniedException",
                        f"User is not authorized to perform the read actions of {type_name}")
    return f


def list_resources(body, headers):
    creds, region, account = caller(headers)
    type_name = body.get("TypeName", "")
    if type_name not in LISTERS:
        raise Fault(400, "TypeNotFoundException", f"{type_name} not found")
    f = admit(account, region, type_name)
    model = json.loads(body["ResourceModel"]) if body.get("ResourceModel") else None
    items = resources(creds, region, account, type_name, model)
    start = int(body.get("NextToken") or 0)
    size = min(int(body.get("MaxResults") or 100), int(f.get("page_size") or 100))
    page = items[start:start + size]
    keys = LISTERS[type_name][1]
    out = {
        "TypeName": type_name,
        "ResourceDescriptions": [
            {"Identifier": ident, "Properties": json.dumps({k: props[k] for k in keys if k in props})}
            for ident, props in page
        ],
    }
    if start + size < len(items):
        out["NextToken"] = str(start + size)
    return out


def get_resource(body, headers):
    creds, region, account = caller(headers)
    type_name = body.get("TypeName", "")
    if type_name not in LISTERS:
        raise Fault(400, "TypeNotFoundException", f"{type_name} not found")
    admit(account, region, type_name)
    ident = body.get("Identifier", "")
    model = None
    if type_name == "AWS::ECS::Service" and "|" in ident:
        model = {"Cluster": ident.split("|", 1)[1]}
    for i, props in resources(creds, region, account, type_name, model, whole=True):
        if i == ident:
            return {"TypeName": type_name, "ResourceDescription": {"Identifier": i, "Properties": json.dumps(props)}}
    raise Fault(400, "ResourceNotFoundException", f"{type_name} {ident} not found")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, content_type="application/x-amz-json-1.0"):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/fake/stats":
            with lock:
                self.reply(200, dict(stats), "application/json")
        else:
            self.reply(200, {"ok": True}, "application/json")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b"{}"
        if self.path == "/fake/faults":
            spec = json.loads(raw)
            with lock:
                faults[spec["account"]] = spec
                counters[spec["account"]] = 0
            return self.reply(200, {"ok": True}, "application/json")
        target = self.headers.get("X-Amz-Target", "")
        op = target.rsplit(".", 1)[-1]
        try:
            body = json.loads(raw or b"{}")
            if op == "ListResources":
                with lock:
                    stats["ListResources"] += 1
                return self.reply(200, list_resources(body, self.headers))
            if op == "GetResource":
                with lock:
                    stats["GetResource"] += 1
                return self.reply(200, get_resource(body, self.headers))
            raise Fault(400, "UnsupportedActionException", f"{target} is not served by this fake")
        except Fault as e:
            self.reply(e.status, {"__type": e.code, "Message": e.message})
        except Exception as e:  # a bug here must read as a server error, not as an empty answer
            self.reply(500, {"__type": "InternalFailure", "Message": repr(e)})


server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
server.daemon_threads = True
threading.Thread(target=server.serve_forever, daemon=True).start()
print("ready", flush=True)
while os.getppid() == parent:
    time.sleep(0.3)
os._exit(0)
