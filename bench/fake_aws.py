"""A fast fake AWS endpoint for bench/regions.sh: answers the calls `tally collect` makes with
synthetic data, so the collector's own scaling over regions can be measured without moto's
per-request cost. Loopback only. Usage: fake_aws.py PORT RESOURCES_PER_REGION LATENCY_MS

Each region holds RESOURCES_PER_REGION tagged EC2 instances (GetResources, 100 per page, and
Cloud Control ListResources of AWS::EC2::Instance, identifiers only; every other type is
empty); no Config recorder; Cost Explorer and Budgets answer empty. LATENCY_MS is slept per request
(the round trip a real AWS endpoint adds) without holding a thread or a core: the server is
one asyncio loop with HTTP/1.1 keep-alive and answers built once per page. AWS's own CPU is not
on the machine that runs tally, so the fake must not be either: the first version (a thread per
connection, `http.server`, JSON built per request) spent more CPU than tally itself on 84
account-region units (2.6 s against tally's 2.0 s on 2 cores), and the bench measured the fake.

Accounts (bench/org.sh): `AssumeRole` into arn:aws:iam::ACCOUNT:role/... answers credentials
whose access key id carries ACCOUNT, and every request signed with them is that account's (its
resources' ARNs name it). FAIL_ACCOUNT (environment): GetResources of that account answers an
error in every region, so the run must be partial and name it. Requests are counted per
operation; GET /counts answers the counts as JSON (Cost Explorer requests must not grow with
the units).
"""

import asyncio
import collections
import functools
import json
import os
import re
import sys
import urllib.parse

port, per_region, latency = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]) / 1000
ACCOUNT = "123456789012"
PAGE = 100
FAIL_ACCOUNT = os.environ.get("FAIL_ACCOUNT", "")
COUNTS = collections.Counter()
CREDENTIAL = re.compile(rb"Credential=([^/]+)/\d+/([^/]+)/")
JSON = "application/x-amz-json-1.1"


def response(status, body, content_type=JSON):
    data = body if isinstance(body, bytes) else body.encode()
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}[status]
    head = f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {len(data)}\r\n\r\n"
    return head.encode() + data


@functools.lru_cache(maxsize=None)
def get_resources(region, account, start):
    end = min(start + PAGE, per_region)
    items = [
        {
            "ResourceARN": f"arn:aws:ec2:{region}:{account}:instance/i-{region.replace('-', '')}{n:08x}",
            "Tags": [{"Key": "team", "Value": f"team-{n % 7}"}, {"Key": "env", "Value": "prod"}],
        }
        for n in range(start, end)
    ]
    out = {"ResourceTagMappingList": items, "PaginationToken": str(end) if end < per_region else ""}
    return response(200, json.dumps(out))


@functools.lru_cache(maxsize=None)
def list_instances(region, start):
    end = min(start + PAGE, per_region)
    items = [
        {"Identifier": f"i-{region.replace('-', '')}{n:08x}",
         "Properties": json.dumps({"InstanceId": f"i-{region.replace('-', '')}{n:08x}"})}
        for n in range(start, end)
    ]
    out = {"TypeName": "AWS::EC2::Instance", "ResourceDescriptions": items}
    if end < per_region:
        out["NextToken"] = str(end)
    return response(200, json.dumps(out))


@functools.lru_cache(maxsize=None)
def empty_list(type_name):
    return response(200, json.dumps({"TypeName": type_name, "ResourceDescriptions": []}))


FIXED = {
    "DescribeConfigurationRecorders": response(200, json.dumps({"ConfigurationRecorders": []})),
    "GetCostAndUsage": response(200, json.dumps({"ResultsByTime": [], "DimensionValueAttributes": []})),
    "DescribeBudgets": response(200, json.dumps({"Budgets": []})),
}
FAILED = response(400, b'{"__type": "InvalidParameterException", "Message": "the bench fails this account"}')
UNKNOWN = response(400, b"")


def answer(headers, body):
    """The bytes to send for one POST (headers: lower-case name -> bytes value)."""
    target = headers.get(b"x-amz-target", b"").decode()
    scope = CREDENTIAL.search(headers.get(b"authorization", b""))
    region = scope.group(2).decode() if scope else "us-east-1"
    key = scope.group(1).decode() if scope else ""
    account = key[8:20] if key.startswith("ASIAFAKE") else ACCOUNT
    text = body.decode()
    action = re.search(r"Action=(\w+)", text)
    op = target.rsplit(".", 1)[-1]
    COUNTS[op or (action.group(1) if action else "?")] += 1
    if "Action=AssumeRole" in text:
        arn = urllib.parse.unquote(re.search(r"RoleArn=([^&]+)", text).group(1))
        target_account = arn.split(":")[4]
        return response(
            200,
            "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>"
            f"<Credentials><AccessKeyId>ASIAFAKE{target_account}</AccessKeyId>"
            "<SecretAccessKey>secret</SecretAccessKey><SessionToken>token</SessionToken>"
            "<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>"
            f"<AssumedRoleUser><Arn>{arn}/tally</Arn><AssumedRoleId>AROA:tally</AssumedRoleId></AssumedRoleUser>"
            "</AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AssumeRoleResponse>",
            "text/xml",
        )
    if "Action=GetCallerIdentity" in text:
        return response(
            200,
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
            f"<GetCallerIdentityResult><Arn>arn:aws:iam::{ACCOUNT}:user/bench</Arn>"
            f"<UserId>AIDABENCH</UserId><Account>{ACCOUNT}</Account></GetCallerIdentityResult>"
            "<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>",
            "text/xml",
        )
    if op == "GetResources":
        if account == FAIL_ACCOUNT:
            # A client error: not retried, so the failing unit costs no back-off time.
            return FAILED
        token = json.loads(text or "{}").get("PaginationToken") or "0"
        return get_resources(region, account, int(token))
    if op == "ListResources":
        req = json.loads(text or "{}")
        if req.get("TypeName") != "AWS::EC2::Instance":
            return empty_list(req.get("TypeName"))
        return list_instances(region, int(req.get("NextToken") or 0))
    return FIXED.get(op, UNKNOWN)


async def serve(reader, writer):
    """One connection: requests in order (HTTP/1.1 keep-alive) until the client closes it."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, _, rest = head.partition(b"\r\n")
            method, path = request_line.split(b" ")[:2]
            headers = {}
            for line in rest.split(b"\r\n"):
                name, sep, value = line.partition(b":")
                if sep:
                    headers[name.strip().lower()] = value.strip()
            length = int(headers.get(b"content-length", b"0"))
            body = await reader.readexactly(length) if length else b""
            if method == b"GET":
                if path == b"/counts":
                    out = response(200, json.dumps(dict(sorted(COUNTS.items()))), "application/json")
                else:
                    out = response(404, b"")
            else:
                await asyncio.sleep(latency)
                out = answer(headers, body)
            writer.write(out)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main():
    # A deep backlog: a burst of connections must not wait for SYN retransmits (1 s), which
    # would measure the kernel instead of tally.
    server = await asyncio.start_server(serve, "127.0.0.1", port, backlog=1024)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
