"""Run moto's server on 127.0.0.1:PORT for the integration tests, and exit with the test binary.

The `moto_server` command cannot notice that the process that started it has gone; this wrapper
runs the same server (moto's ThreadedMotoServer) and exits as soon as its parent does, so an
interrupted test run leaves no server behind. Usage: moto_run.py PORT
"""

import os
import sys
import time

from moto.server import ThreadedMotoServer

port = int(sys.argv[1])
parent = os.getppid()
server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
server.start()
print("ready", flush=True)
while os.getppid() == parent:
    time.sleep(0.3)
server.stop()
os._exit(0)
