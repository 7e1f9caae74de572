"""Seed moto for bench/regions.sh: RESOURCES_PER_REGION tagged EC2 instances in each of the
given regions of the default account, one RunInstances call per region.
Usage: seed_regions.py ENDPOINT RESOURCES_PER_REGION REGION...
"""

import sys

import boto3

endpoint, per_region, regions = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
for region in regions:
    ec2 = boto3.client(
        "ec2", region_name=region, endpoint_url=endpoint,
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    ec2.run_instances(
        ImageId=image, MinCount=per_region, MaxCount=per_region,
        TagSpecifications=[{"ResourceType": "instance",
                            "Tags": [{"Key": "team", "Value": "bench"}, {"Key": "env", "Value": "prod"}]}],
    )
