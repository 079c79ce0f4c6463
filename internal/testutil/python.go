package testutil

import (
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
)

// pythonModules are the modules Python reports on: those the tests run
// real clients with (the Agent README's examples import requests, AWS's
// rotation template boto3, the AWS CLI is the awscli package).
var pythonModules = []string{"requests", "boto3", "awscli"}

// pythonProbe finds, once for the process, the python3 on PATH: the
// interpreter's own path and which of pythonModules it can import (looked
// up, not imported, so the probe costs a Python start and nothing more).
var pythonProbe = sync.OnceValues(func() (path string, modules []string) {
	if _, err := exec.LookPath("python3"); err != nil {
		return "", nil
	}
	const probe = `import importlib.util, sys
print(sys.executable)
print(" ".join(m for m in sys.argv[1:] if importlib.util.find_spec(m)))`
	out, err := exec.Command("python3", append([]string{"-c", probe}, pythonModules...)...).Output()
	if err != nil {
		return "", nil
	}
	lines := strings.SplitN(strings.TrimSpace(string(out))+"\n", "\n", 2)
	return lines[0], strings.Fields(lines[1])
})

// Python returns the path of the python3 interpreter on PATH, its real
// path rather than a wrapper's (a pyenv shim runs a dozen shell processes
// per start, and needs the user's HOME), or skips tb when there is no
// python3 or it cannot import each of modules (each one of pythonModules).
func Python(tb testing.TB, modules ...string) string {
	tb.Helper()
	path, have := pythonProbe()
	if path == "" {
		tb.Skip("python3 is not installed")
	}
	for _, m := range modules {
		if !slices.Contains(pythonModules, m) {
			tb.Fatalf("testutil.Python knows of the modules %v, not %q", pythonModules, m)
		}
		if !slices.Contains(have, m) {
			tb.Skipf("python3 (%s) has no %s module (pip install %s)", path, m, m)
		}
	}
	return path
}

// pythonHas says whether the python3 on PATH can import module (one of
// pythonModules), and returns the interpreter's path.
func pythonHas(module string) (string, bool) {
	path, have := pythonProbe()
	return path, path != "" && slices.Contains(have, module)
}
