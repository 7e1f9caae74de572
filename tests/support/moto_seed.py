"""Seed one moto account for an integration test. Reads a JSON spec on stdin, prints JSON.

Every test uses its own account id: AssumeRole into arn:aws:iam::ACCOUNT:role/seed gives
credentials that moto maps to that account, whose state is separate from every other account's.

Spec keys (all optional besides endpoint and account):
  sqs, sns:          [{"region", "name", "tags": {k: v}}]
  volumes:           [{"region", "tags": {k: v}}]              (EBS volumes)
  buckets:           [{"name", "region", "tags": {k: v} | null}] (null: never tagged)
  iam_roles:         [{"name", "tags": {k: v}}]
  service_linked_roles: ["autoscaling.amazonaws.com", ...]     (IAM CreateServiceLinkedRole)
  config_aggregator: {"name", "regions": [...]}               (an account aggregator over this account)
  config_recorders:  ["us-east-1", ...]                        (AWS Config recorder per region)
  ce_results:        [<GetCostAndUsage response>, ...]         (queued, popped per distinct request)
  budgets:           [<CreateBudget Budget>, ...]
  objects:           [{"bucket", "key", "body" | "file"}]           (file: a local path, bytes as is)
  athena_results:    {"region", "results": [{"rows", "column_info"}]} (queued, one per query)
  organization:      {"accounts": [{"name", "email"}]}         (created by this account)
  instances:         [{"region", "count", "tags": {k: v}}]     (EC2 instances, any moto AMI)
  asgs:              [{"region", "name", "size", "tags": {k: v}}]
                     (a launch template named after the group, then the group with its tags
                     propagated at launch; moto tags the instances aws:autoscaling:groupName)
  stacks:            [{"region", "name", "queues": [name], "topics": [name]}]
                     (a CloudFormation stack creating them; moto does not tag stack resources
                     with aws:cloudformation:*, as AWS does, so this script adds those tags)
  load_balancers:    [{"region", "name", "tags": {k: v}}]      (ELBv2, default VPC subnets)
  delete_sqs:        [{"region", "name"}]                      (after everything above)
  sqs_tags:          [{"region", "name", "tags": {k: v}}]      (TagQueue: add or change tags)
Output: {"arns": [...every ARN created...], "org_accounts": [...ids...],
         "asgs": {name: {"arn", "launch_template_id", "launch_template_arn", "instances": [arn]}},
         "stacks": {name: {"id", "resources": [arn]}},
         "credentials": {"AccessKeyId", "SecretAccessKey", "SessionToken"} (this account's)}
"""

import json
import sys
import urllib.request

import boto3

spec = json.load(sys.stdin)
endpoint = spec["endpoint"]
account = spec["account"]

base = dict(endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing")
creds = boto3.client("sts", region_name="us-east-1", **base).assume_role(
    RoleArn=f"arn:aws:iam::{account}:role/seed", RoleSessionName="seed"
)["Credentials"]
kw = dict(
    endpoint_url=endpoint,
    aws_access_key_id=creds["AccessKeyId"],
    aws_secret_access_key=creds["SecretAccessKey"],
    aws_session_token=creds["SessionToken"],
)


def client(service, region="us-east-1"):
    return boto3.client(service, region_name=region, **kw)


def tag_list(tags, k="Key", v="Value"):
    return [{k: key, v: value} for key, value in (tags or {}).items()]


arns = []
for q in spec.get("sqs", []):
    url = client("sqs", q["region"]).create_queue(QueueName=q["name"], tags=q.get("tags", {}))["QueueUrl"]
    arns.append(f"arn:aws:sqs:{q['region']}:{account}:{q['name']}")
for t in spec.get("sns", []):
    arns.append(client("sns", t["region"]).create_topic(Name=t["name"], Tags=tag_list(t.get("tags")))["TopicArn"])
for v in spec.get("volumes", []):
    vol = client("ec2", v["region"]).create_volume(
        Size=1,
        AvailabilityZone=v["region"] + "a",
        TagSpecifications=[{"ResourceType": "volume", "Tags": tag_list(v.get("tags"))}],
    )
    arns.append(f"arn:aws:ec2:{v['region']}:{account}:volume/{vol['VolumeId']}")
for b in spec.get("buckets", []):
    s3 = client("s3", b["region"])
    if b["region"] == "us-east-1":
        s3.create_bucket(Bucket=b["name"])
    else:
        s3.create_bucket(Bucket=b["name"], CreateBucketConfiguration={"LocationConstraint": b["region"]})
    if b.get("tags"):
        s3.put_bucket_tagging(Bucket=b["name"], Tagging={"TagSet": tag_list(b["tags"])})
    arns.append(f"arn:aws:s3:::{b['name']}")
for r in spec.get("iam_roles", []):
    role = client("iam").create_role(
        RoleName=r["name"], AssumeRolePolicyDocument="{}", Tags=tag_list(r.get("tags"))
    )
    arns.append(role["Role"]["Arn"])
for service in spec.get("service_linked_roles", []):
    role = client("iam").create_service_linked_role(AWSServiceName=service)["Role"]
    arns.append(role["Arn"])
if spec.get("config_aggregator"):
    agg = spec["config_aggregator"]
    client("config").put_configuration_aggregator(
        ConfigurationAggregatorName=agg["name"],
        AccountAggregationSources=[{"AccountIds": [account], "AwsRegions": agg["regions"]}],
    )
for region in spec.get("config_recorders", []):
    client("config", region).put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": f"arn:aws:iam::{account}:role/config",
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
        }
    )
if spec.get("ce_results"):
    body = json.dumps({"account_id": account, "results": spec["ce_results"]}).encode()
    req = urllib.request.Request(
        endpoint + "/moto-api/static/ce/cost-and-usage-results",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(req).read()
for budget in spec.get("budgets", []):
    client("budgets").create_budget(AccountId=account, Budget=budget)
for o in spec.get("objects", []):
    if "file" in o:
        with open(o["file"], "rb") as f:
            body = f.read()
    else:
        body = o["body"].encode()
    client("s3").put_object(Bucket=o["bucket"], Key=o["key"], Body=body)
if spec.get("athena_results"):
    a = spec["athena_results"]
    body = json.dumps({"account_id": account, "region": a["region"], "results": a["results"]}).encode()
    req = urllib.request.Request(
        endpoint + "/moto-api/static/athena/query-results",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(req).read()
org_accounts = []
if "organization" in spec:
    orgs = client("organizations")
    orgs.create_organization(FeatureSet="ALL")
    for a in spec["organization"].get("accounts", []):
        status = orgs.create_account(AccountName=a["name"], Email=a["email"])["CreateAccountStatus"]
        org_accounts.append(status["AccountId"])



def any_image(ec2):
    return ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]


for i in spec.get("instances", []):
    ec2 = client("ec2", i["region"])
    out = ec2.run_instances(
        ImageId=any_image(ec2),
        MinCount=i.get("count", 1),
        MaxCount=i.get("count", 1),
        **({"TagSpecifications": [{"ResourceType": "instance", "Tags": tag_list(i["tags"])}]} if i.get("tags") else {}),
    )
    for inst in out["Instances"]:
        arns.append(f"arn:aws:ec2:{i['region']}:{account}:instance/{inst['InstanceId']}")

asgs = {}
for g in spec.get("asgs", []):
    region = g["region"]
    ec2 = client("ec2", region)
    lt = ec2.create_launch_template(
        LaunchTemplateName=g["name"],
        LaunchTemplateData={"ImageId": any_image(ec2), "InstanceType": "t3.micro"},
    )["LaunchTemplate"]
    subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]
    autoscaling = client("autoscaling", region)
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=g["name"],
        LaunchTemplate={"LaunchTemplateId": lt["LaunchTemplateId"], "Version": "$Latest"},
        MinSize=g["size"],
        MaxSize=g["size"],
        DesiredCapacity=g["size"],
        VPCZoneIdentifier=subnet["SubnetId"],
        Tags=[
            {"Key": k, "Value": v, "PropagateAtLaunch": True, "ResourceId": g["name"],
             "ResourceType": "auto-scaling-group"}
            for k, v in (g.get("tags") or {}).items()
        ],
    )
    group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[g["name"]])["AutoScalingGroups"][0]
    asgs[g["name"]] = {
        "arn": group["AutoScalingGroupARN"],
        "launch_template_id": lt["LaunchTemplateId"],
        "launch_template_arn": f"arn:aws:ec2:{region}:{account}:launch-template/{lt['LaunchTemplateId']}",
        "instances": [f"arn:aws:ec2:{region}:{account}:instance/{i['InstanceId']}" for i in group["Instances"]],
    }

stacks = {}
for st in spec.get("stacks", []):
    region = st["region"]
    resources = {}
    for n, q in enumerate(st.get("queues", [])):
        resources[f"Queue{n}"] = {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": q}}
    for n, t in enumerate(st.get("topics", [])):
        resources[f"Topic{n}"] = {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": t}}
    cfn = client("cloudformation", region)
    stack_id = cfn.create_stack(StackName=st["name"], TemplateBody=json.dumps({"Resources": resources}))["StackId"]
    created = []
    for r in cfn.describe_stack_resources(StackName=st["name"])["StackResources"]:
        cfn_tags = {
            "aws:cloudformation:stack-name": st["name"],
            "aws:cloudformation:stack-id": stack_id,
            "aws:cloudformation:logical-id": r["LogicalResourceId"],
        }
        if r["ResourceType"] == "AWS::SQS::Queue":
            client("sqs", region).tag_queue(QueueUrl=r["PhysicalResourceId"], Tags=cfn_tags)
            name = r["PhysicalResourceId"].rsplit("/", 1)[-1]
            created.append(f"arn:aws:sqs:{region}:{account}:{name}")
        elif r["ResourceType"] == "AWS::SNS::Topic":
            client("sns", region).tag_resource(ResourceArn=r["PhysicalResourceId"], Tags=tag_list(cfn_tags))
            created.append(r["PhysicalResourceId"])
    stacks[st["name"]] = {"id": stack_id, "resources": sorted(created)}

for lb in spec.get("load_balancers", []):
    ec2 = client("ec2", lb["region"])
    subnets = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
    out = client("elbv2", lb["region"]).create_load_balancer(
        Name=lb["name"], Subnets=[s["SubnetId"] for s in subnets[:2]], Tags=tag_list(lb.get("tags"))
    )
    arns.append(out["LoadBalancers"][0]["LoadBalancerArn"])

for q in spec.get("delete_sqs", []):
    sqs = client("sqs", q["region"])
    sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName=q["name"])["QueueUrl"])
for q in spec.get("sqs_tags", []):
    sqs = client("sqs", q["region"])
    sqs.tag_queue(QueueUrl=sqs.get_queue_url(QueueName=q["name"])["QueueUrl"], Tags=q["tags"])

credentials = {k: creds[k] for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")}
json.dump(
    {"arns": arns, "org_accounts": org_accounts, "asgs": asgs, "stacks": stacks, "credentials": credentials},
    sys.stdout,
)
