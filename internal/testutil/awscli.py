# Runs AWS CLI command lines in one Python process, for the tests: each line
# of standard input is a JSON object {"args": [...], "env": {...}}, run as
# "aws ARGS" with ENV added to the environment; each answer is a JSON line
# {"code": N, "stdout": "...", "stderr": "..."}. It is the CLI's own driver,
# as the aws program runs it, without a Python start (a second or so) per
# command line.
import contextlib
import io
import json
import os
import sys

from awscli.clidriver import create_clidriver

answers = sys.stdout
for line in sys.stdin:
    request = json.loads(line)
    saved = dict(os.environ)
    os.environ.update(request.get("env", {}))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = create_clidriver().main(request["args"])
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        except Exception as e:  # the driver reports its own; this is ours
            err.write("awscli.py: %r\n" % (e,))
            code = 255
    os.environ.clear()
    os.environ.update(saved)
    answers.write(json.dumps({"code": code, "stdout": out.getvalue(), "stderr": err.getvalue()}) + "\n")
    answers.flush()
