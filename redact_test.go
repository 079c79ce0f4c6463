package secretstore

import (
	"fmt"
	"strings"
	"testing"
)

func TestValuesDoNotPrint(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-value-4d1e"
	bin := []byte(secret)
	values := map[string]any{
		"CreateSecretInput":     &CreateSecretInput{Name: "n", SecretString: secret},
		"CreateSecretInput bin": CreateSecretInput{Name: "n", SecretBinary: bin},
		"PutSecretValueInput":   &PutSecretValueInput{SecretId: "n", SecretString: secret},
		"UpdateSecretInput":     &UpdateSecretInput{SecretId: "n", SecretBinary: bin},
		"GetSecretValueOutput":  &GetSecretValueOutput{Name: "n", SecretString: secret},
		"BatchGetSecretValueOutput": &BatchGetSecretValueOutput{SecretValues: []SecretValueEntry{
			{Name: "a", SecretString: secret}, {Name: "b", SecretBinary: bin},
		}},
	}
	for name, v := range values {
		for _, verb := range []string{"%v", "%+v", "%s", "%#v"} {
			got := fmt.Sprintf(verb, v)
			if strings.Contains(got, secret) || strings.Contains(got, fmt.Sprint(bin)) {
				t.Errorf("%s printed with %s shows the value: %s", name, verb, got)
			}
			if !strings.Contains(got, "[redacted") {
				t.Errorf("%s printed with %s: %s; want the value shown as [redacted]", name, verb, got)
			}
		}
	}
	// The fields themselves are untouched.
	out := &GetSecretValueOutput{SecretString: secret}
	_ = out.String()
	if out.SecretString != secret {
		t.Fatal("String changed the value")
	}
}
