# Runs AWS CLI command lines in one Python process, for the tests: each line
# of standard input is a JSON object {"args": [...], "env": {...}}, run as
# "aws ARGS" with ENV as the whole environment; each answer is a JSON line
# {"code": N, "stdout": "...", "stderr": "..."}. It is the CLI's own driver,
# as the aws program runs it, without a Python start (a second or so) per
# command line. Each command line gets a new driver, so nothing of one
# (credentials, configuration) reaches the next, except botocore's loader of
# the service models and the CLI's data files, which do not change: it is
# shared, so they are read and parsed once, not for every command line
# (which took three to six times the CPU of the command line itself).
import contextlib
import io
import json
import os
import sys

from awscli.clidriver import create_clidriver

# Importing awscli sets AWS_DATA_PATH (where its own data files are); the
# process starts without the caller's AWS_ variables, so those it has now
# are the CLI's, and each command line keeps them.
cli_env = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
answers = sys.stdout
loader = None
for line in sys.stdin:
    request = json.loads(line)
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(request["env"])
    os.environ.update(cli_env)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            driver = create_clidriver()
            if loader is None:
                loader = driver.session.get_component("data_loader")
            else:
                driver.session.register_component("data_loader", loader)
            code = driver.main(request["args"])
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        except Exception as e:  # the driver reports its own; this is ours
            err.write("awscli.py: %r\n" % (e,))
            code = 255
    os.environ.clear()
    os.environ.update(saved)
    answers.write(json.dumps({"code": code, "stdout": out.getvalue(), "stderr": err.getvalue()}) + "\n")
    answers.flush()
