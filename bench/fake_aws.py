"""A fast fake AWS endpoint for bench/regions.sh: answers the calls `tally collect` makes with
synthetic data, so the collector's own scaling over regions can be measured without moto's
per-request cost. Loopback only. Usage: fake_aws.py PORT RESOURCES_PER_REGION LATENCY_MS

Each region holds RESOURCES_PER_REGION tagged EC2 instances (GetResources, 100 per page, and
Cloud Control ListResources of AWS::EC2::Instance, identifiers only; every other type is
empty); no Config recorder; Cost Explorer and Budgets answer empty. LATENCY_MS is slept per request
(the round trip a real AWS endpoint adds), in a thread per connection.

Accounts (bench/org.sh): `AssumeRole` into arn:aws:iam::ACCOUNT:role/... answers credentials
whose access key id carries ACCOUNT, and every request signed with them is that account's (its
resources' ARNs name it). FAIL_ACCOUNT (environment): GetResources of that account answers an
error in every region, so the run must be partial and name it. Requests are counted per
operation; GET /counts answers the counts as JSON (Cost Explorer requests must not grow with
the units).
"""

import collections
import json
import os
import re
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, per_region, latency = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]) / 1000
ACCOUNT = "123456789012"
PAGE = 100
FAIL_ACCOUNT = os.environ.get("FAIL_ACCOUNT", "")
COUNTS = collections.Counter()
COUNTS_LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, body, content_type="application/x-amz-json-1.1"):
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/counts":
            with COUNTS_LOCK:
                return self.reply(json.dumps(dict(sorted(COUNTS.items()))), "application/json")
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length).decode()
        time.sleep(latency)
        target = self.headers.get("X-Amz-Target", "")
        scope = re.search(r"Credential=([^/]+)/\d+/([^/]+)/", self.headers.get("Authorization", ""))
        region = scope.group(2) if scope else "us-east-1"
        key = scope.group(1) if scope else ""
        account = key[8:20] if key.startswith("ASIAFAKE") else ACCOUNT
        action = re.search(r"Action=(\w+)", body)
        with COUNTS_LOCK:
            COUNTS[target.rsplit(".", 1)[-1] or (action.group(1) if action else "?")] += 1
        if "Action=AssumeRole" in body:
            arn = urllib.parse.unquote(re.search(r"RoleArn=([^&]+)", body).group(1))
            target_account = arn.split(":")[4]
            return self.reply(
                "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>"
                f"<Credentials><AccessKeyId>ASIAFAKE{target_account}</AccessKeyId>"
                "<SecretAccessKey>secret</SecretAccessKey><SessionToken>token</SessionToken>"
                "<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>"
                f"<AssumedRoleUser><Arn>{arn}/tally</Arn><AssumedRoleId>AROA:tally</AssumedRoleId></AssumedRoleUser>"
                "</AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AssumeRoleResponse>",
                "text/xml",
            )
        if "Action=GetCallerIdentity" in body:
            return self.reply(
                "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                f"<GetCallerIdentityResult><Arn>arn:aws:iam::{ACCOUNT}:user/bench</Arn>"
                f"<UserId>AIDABENCH</UserId><Account>{ACCOUNT}</Account></GetCallerIdentityResult>"
                "<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>",
                "text/xml",
            )
        op = target.rsplit(".", 1)[-1]
        if op == "GetResources" and account == FAIL_ACCOUNT:
            # A client error: not retried, so the failing unit costs no back-off time.
            data = b'{"__type": "InvalidParameterException", "Message": "the bench fails this account"}'
            self.send_response(400)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            return self.wfile.write(data)
        if op == "GetResources":
            token = json.loads(body or "{}").get("PaginationToken") or "0"
            start = int(token)
            end = min(start + PAGE, per_region)
            items = [
                {
                    "ResourceARN": f"arn:aws:ec2:{region}:{account}:instance/i-{region.replace('-', '')}{n:08x}",
                    "Tags": [{"Key": "team", "Value": f"team-{n % 7}"}, {"Key": "env", "Value": "prod"}],
                }
                for n in range(start, end)
            ]
            out = {"ResourceTagMappingList": items}
            out["PaginationToken"] = str(end) if end < per_region else ""
            return self.reply(json.dumps(out))
        if op == "ListResources":
            req = json.loads(body or "{}")
            if req.get("TypeName") != "AWS::EC2::Instance":
                return self.reply(json.dumps({"TypeName": req.get("TypeName"), "ResourceDescriptions": []}))
            start = int(req.get("NextToken") or 0)
            end = min(start + PAGE, per_region)
            items = [
                {"Identifier": f"i-{region.replace('-', '')}{n:08x}",
                 "Properties": json.dumps({"InstanceId": f"i-{region.replace('-', '')}{n:08x}"})}
                for n in range(start, end)
            ]
            out = {"TypeName": "AWS::EC2::Instance", "ResourceDescriptions": items}
            if end < per_region:
                out["NextToken"] = str(end)
            return self.reply(json.dumps(out))
        if op == "DescribeConfigurationRecorders":
            return self.reply(json.dumps({"ConfigurationRecorders": []}))
        if op == "GetCostAndUsage":
            return self.reply(json.dumps({"ResultsByTime": [], "DimensionValueAttributes": []}))
        if op == "DescribeBudgets":
            return self.reply(json.dumps({"Budgets": []}))
        self.send_response(400)
        self.send_header("Content-Length", "0")
        self.end_headers()


ThreadingHTTPServer.daemon_threads = True
# socketserver's default backlog is 5: a burst of connections would wait for SYN retransmits
# (1 s), measuring the kernel instead of tally.
ThreadingHTTPServer.request_queue_size = 256
server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
print("ready", flush=True)
server.serve_forever()
