package secretstore

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/secretstore-go/secretstore/internal/awsmodel"
)

func TestCreateSecretNames(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	valid := []struct {
		name, secret string
	}{
		{"every allowed character is accepted", "azAZ09/_+=.@-"},
		{"a single character is accepted", "x"},
		{"a name of 512 characters is accepted", strings.Repeat("n", 512)},
		{"a leading slash is accepted", "/prod/db"},
	}
	for _, tt := range valid {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestStore(t)
			out := mustCreate(t, s, tt.secret, "v")
			if out.Name != tt.secret {
				t.Errorf("Name = %q, want %q", out.Name, tt.secret)
			}
			if got := mustGet(t, s, tt.secret); got != "v" {
				t.Errorf("GetSecretValue = %q, want %q", got, "v")
			}
		})
	}

	invalid := []struct {
		name, secret string
		msg          string
	}{
		{"a space is rejected", "my secret", awsmodel.InvalidName},
		{"an asterisk is rejected", "my*secret", awsmodel.InvalidName},
		{"a question mark is rejected", "my?secret", awsmodel.InvalidName},
		{"a closing bracket is rejected", "my]secret", awsmodel.InvalidName},
		{"an exclamation mark is rejected although the message lists it", "my!secret", awsmodel.InvalidName},
		{"a non-ASCII letter is rejected", "café", awsmodel.InvalidName},
		{"a colon is rejected", "a:b", awsmodel.InvalidName},
		{"a name of 513 characters is rejected", strings.Repeat("n", 513),
			"1 validation error detected: Value at 'name' failed to satisfy constraint: Member must have length less than or equal to 512"},
		{"an empty name is rejected", "",
			"1 validation error detected: Value at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1"},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestStore(t)
			_, err := s.CreateSecret(ctx, &CreateSecretInput{Name: tt.secret, SecretString: "v"})
			wantMessage(t, err, ErrValidation, tt.msg)
			if l, err := s.ListSecrets(ctx, &ListSecretsInput{}); err != nil || len(l.SecretList) != 0 {
				t.Errorf("ListSecrets after a rejected create = %v, %v; want nothing", l, err)
			}
		})
	}
}

func TestSecretIDWithInvalidCharacters(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	mustCreate(t, s, "ok", "v")
	for _, id := range []string{"o k", "ok*", "ok?", "ok]", "ok!"} {
		_, err := s.GetSecretValue(context.Background(), &GetSecretValueInput{SecretId: id})
		wantMessage(t, err, ErrValidation, awsmodel.InvalidName)
	}
	_, err := s.GetSecretValue(context.Background(), &GetSecretValueInput{SecretId: strings.Repeat("a", 2049)})
	wantErr(t, err, ErrValidation, "Member must have length less than or equal to 2048")
}

func TestARNFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                string
		opts                func(*Options)
		view                string // a Store.Region view, if not ""
		secret              string
		wantPrefix          string
		wantRegion, account string
	}{
		{"the default region and account are used", nil, "", "db",
			"arn:aws:secretsmanager:us-east-1:123456789012:secret:db-", DefaultRegion, DefaultAccountID},
		{"a configured region and account are used", func(o *Options) { o.Region = "eu-west-3"; o.AccountID = "210987654321" }, "", "db",
			"arn:aws:secretsmanager:eu-west-3:210987654321:secret:db-", "eu-west-3", "210987654321"},
		{"a China region is in the aws-cn partition", func(o *Options) { o.Region = "cn-north-1" }, "", "db",
			"arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:db-", "cn-north-1", DefaultAccountID},
		{"a GovCloud region is in the aws-us-gov partition", func(o *Options) { o.Region = "us-gov-west-1" }, "", "db",
			"arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:db-", "us-gov-west-1", DefaultAccountID},
		{"a region view carries its own region and partition", nil, "cn-northwest-1", "db",
			"arn:aws-cn:secretsmanager:cn-northwest-1:123456789012:secret:db-", "cn-northwest-1", DefaultAccountID},
		{"slashes in the name stay in the ARN", nil, "", "prod/app/db",
			"arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/db-", DefaultRegion, DefaultAccountID},
	}
	suffix := regexp.MustCompile(`^[A-Za-z0-9]{6}$`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []func(*Options)
			if tt.opts != nil {
				opts = append(opts, tt.opts)
			}
			s, _ := newTestStore(t, opts...)
			if tt.view != "" {
				s = s.Region(tt.view)
			}
			if s.RegionName() != tt.wantRegion || s.AccountID() != tt.account {
				t.Errorf("RegionName, AccountID = %q, %q; want %q, %q", s.RegionName(), s.AccountID(), tt.wantRegion, tt.account)
			}
			out := mustCreate(t, s, tt.secret, "v")
			rest, ok := strings.CutPrefix(out.ARN, tt.wantPrefix)
			if !ok || !suffix.MatchString(rest) {
				t.Fatalf("ARN = %q, want %q followed by 6 letters or digits", out.ARN, tt.wantPrefix)
			}
			if d := mustDescribe(t, s, out.ARN); d.ARN != out.ARN {
				t.Errorf("DescribeSecret(ARN).ARN = %q, want %q", d.ARN, out.ARN)
			}
		})
	}
}

func TestARNSuffixesDiffer(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	seen := map[string]bool{}
	for i := range 20 {
		name := "s" + strings.Repeat("x", i)
		arn := mustCreate(t, s, name, "v").ARN
		suffix := arn[len(arn)-6:]
		seen[suffix] = true
	}
	if len(seen) < 19 { // 62^6 possibilities: a collision among 20 is all but impossible
		t.Errorf("20 secrets got only %d distinct ARN suffixes", len(seen))
	}
}

func TestResolveSecretID(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	tricky := mustCreate(t, s, "Name-a1b2c3", "tricky") // a name that ends like an ARN suffix
	appDB := mustCreate(t, s, "app/db", "appdb")
	mustCreate(t, s, "shared-one", "one")
	mustCreate(t, s, "shared-two", "two")
	prod := mustCreate(t, s, "prod", "prod")
	mustCreate(t, s, "prod-db", "proddb")

	arnPrefix := "arn:aws:secretsmanager:us-east-1:123456789012:secret:"
	trickySuffix := tricky.ARN[len(tricky.ARN)-6:]
	wrongSuffix := flipSuffix(trickySuffix)

	tests := []struct {
		name string
		id   string
		want string // the value found; "" means ResourceNotFoundException
	}{
		{"the exact name finds the secret", "Name-a1b2c3", "tricky"},
		{"the full ARN finds the secret", tricky.ARN, "tricky"},
		{"the name is case-sensitive", "name-a1b2c3", ""},
		{"the partial ARN of a name ending like a suffix is taken as a full ARN and not found", arnPrefix + "Name-a1b2c3", ""},
		{"a partial ARN cut inside the name's own suffix-like tail finds the secret", arnPrefix + "Name-a1b2", "tricky"},
		{"a partial ARN ending with the hyphen before the suffix finds the secret", arnPrefix + "Name-a1b2c3-", "tricky"},
		{"a partial ARN ending inside the suffix finds the secret", arnPrefix + "Name-a1b2c3-" + trickySuffix[:3], "tricky"},
		{"the right name with a wrong suffix is not found", arnPrefix + "Name-a1b2c3-" + wrongSuffix, ""},
		{"the full ARN of another region is not found", strings.Replace(tricky.ARN, ":us-east-1:", ":us-west-2:", 1), ""},
		{"the full ARN of another account is not found", strings.Replace(tricky.ARN, ":123456789012:", ":210987654321:", 1), ""},
		{"the full ARN of another partition is not found", strings.Replace(tricky.ARN, "arn:aws:", "arn:aws-cn:", 1), ""},
		{"a partial ARN of another region is not found", "arn:aws:secretsmanager:us-west-2:123456789012:secret:app/db", ""},
		{"the full ARN of a name with slashes finds it", appDB.ARN, "appdb"},
		{"the partial ARN of a name with slashes finds it", arnPrefix + "app/db", "appdb"},
		{"a partial ARN that is the prefix of exactly one name finds it", arnPrefix + "app/d", "appdb"},
		{"an ambiguous partial ARN is not found", arnPrefix + "shared", ""},
		{"a partial ARN that names one of two similar secrets finds it", arnPrefix + "shared-o", "one"},
		{"a partial ARN that is an exact name is preferred over longer names", arnPrefix + "prod", "prod"},
		{"the full ARN of prod finds prod, not prod-db", prod.ARN, "prod"},
		{"a partial ARN matching nothing is not found", arnPrefix + "nothing", ""},
		{"an ARN of another service is not found", "arn:aws:ssm:us-east-1:123456789012:parameter/app/db", ""},
		{"an ARN with an empty name is not found", arnPrefix, ""},
		{"a name that is not there is not found", "missing", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := s.GetSecretValue(context.Background(), &GetSecretValueInput{SecretId: tt.id})
			if tt.want == "" {
				wantMessage(t, err, ErrResourceNotFound, awsmodel.SecretNotFound)
				return
			}
			wantErr(t, err, nil, "")
			if out.SecretString != tt.want {
				t.Errorf("GetSecretValue(%q) = %q, want %q", tt.id, out.SecretString, tt.want)
			}
		})
	}
}

func TestResolveIgnoresSecretsPastTheirRecoveryWindow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clk := newTestStore(t)
	mustCreate(t, s, "shared-one", "one")
	mustCreate(t, s, "shared-two", "two")
	mustCreate(t, s, "prod", "p")
	mustCreate(t, s, "prod-db", "pdb")
	for _, name := range []string{"shared-one", "prod"} {
		if _, err := s.Delete(ctx, name, 7); err != nil {
			t.Fatal(err)
		}
	}
	arnPrefix := "arn:aws:secretsmanager:us-east-1:123456789012:secret:"
	t.Run("while a secret is scheduled for deletion it still counts", func(t *testing.T) {
		_, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: arnPrefix + "shared"})
		wantErr(t, err, ErrResourceNotFound, awsmodel.SecretNotFound) // ambiguous
		_, err = s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: arnPrefix + "prod"})
		wantErr(t, err, ErrInvalidRequest, awsmodel.MarkedForDeletion) // the exact name
	})
	// The windows end; the reaper has not run yet, but the secrets are gone.
	clk.Advance(8 * 24 * time.Hour)
	for _, tt := range []struct{ id, want string }{
		{arnPrefix + "shared", "two"},
		{arnPrefix + "prod", "pdb"},
	} {
		t.Run("once gone it no longer matches the partial ARN "+tt.id[len(arnPrefix):], func(t *testing.T) {
			out, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: tt.id})
			wantErr(t, err, nil, "")
			if out.SecretString != tt.want {
				t.Errorf("found %q, want %q", out.SecretString, tt.want)
			}
		})
	}
	t.Run("once gone its own name is not found", func(t *testing.T) {
		_, err := s.DescribeSecret(ctx, &DescribeSecretInput{SecretId: "shared-one"})
		wantMessage(t, err, ErrResourceNotFound, awsmodel.SecretNotFound)
	})
}

// flipSuffix returns another valid ARN suffix than suffix.
func flipSuffix(suffix string) string {
	b := []byte(suffix)
	if b[0] == 'Z' {
		b[0] = 'Y'
	} else {
		b[0] = 'Z'
	}
	return string(b)
}

func TestRegionViews(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	eu := s.Region("eu-west-1")

	use := mustCreate(t, s, "db", "us-value")
	euOut := mustCreate(t, eu, "db", "eu-value") // the same name in another region is another secret
	if !strings.Contains(euOut.ARN, ":eu-west-1:") || euOut.ARN == use.ARN {
		t.Errorf("eu ARN = %q, us ARN = %q", euOut.ARN, use.ARN)
	}
	if got := mustGet(t, s, "db"); got != "us-value" {
		t.Errorf("us-east-1 value = %q", got)
	}
	if got := mustGet(t, eu, "db"); got != "eu-value" {
		t.Errorf("eu-west-1 value = %q", got)
	}

	t.Run("an ARN of the other region is not found through a view", func(t *testing.T) {
		_, err := s.DescribeSecret(ctx, &DescribeSecretInput{SecretId: euOut.ARN})
		wantErr(t, err, ErrResourceNotFound, awsmodel.SecretNotFound)
		_, err = eu.DescribeSecret(ctx, &DescribeSecretInput{SecretId: use.ARN})
		wantErr(t, err, ErrResourceNotFound, awsmodel.SecretNotFound)
	})
	t.Run("each view lists only its region", func(t *testing.T) {
		mustCreate(t, eu, "eu-only", "x")
		for _, tt := range []struct {
			st   *Store
			want []string
		}{{s, []string{"db"}}, {eu, []string{"db", "eu-only"}}} {
			if got := listNames(t, tt.st, &ListSecretsInput{SortBy: SortByName}); !equalStrings(got, tt.want) {
				t.Errorf("%s lists %v, want %v", tt.st.RegionName(), got, tt.want)
			}
		}
	})
	t.Run("deleting in one region leaves the other alone", func(t *testing.T) {
		if _, err := eu.DeleteSecret(ctx, &DeleteSecretInput{SecretId: "db", ForceDeleteWithoutRecovery: true}); err != nil {
			t.Fatal(err)
		}
		if got := mustGet(t, s, "db"); got != "us-value" {
			t.Errorf("us-east-1 value after deleting eu-west-1's = %q", got)
		}
	})
	t.Run("a view with a malformed region name fails with InvalidParameterException", func(t *testing.T) {
		for _, region := range []string{"EU", "eu-west", "eu_west_1", "1", "eu-west-1a"} {
			bad := s.Region(region)
			_, err := bad.CreateSecret(ctx, &CreateSecretInput{Name: "x", SecretString: "v"})
			wantErr(t, err, ErrInvalidParameter, "Invalid region")
			_, err = bad.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "db"})
			wantErr(t, err, ErrInvalidParameter, "Invalid region")
		}
	})
	t.Run("closing the store closes its views", func(t *testing.T) {
		s2, _ := newTestStore(t)
		v := s2.Region("ap-south-1")
		if err := s2.Close(); err != nil {
			t.Fatal(err)
		}
		_, err := v.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "x"})
		wantErr(t, err, ErrClosed, "")
	})
}

func TestOpenOptionErrors(t *testing.T) {
	t.Parallel()
	key := newTestKey(t)
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"Dir and InMemory together are refused", Options{Dir: t.TempDir(), InMemory: true, MasterKey: key}, "not both"},
		{"neither Dir nor InMemory is refused", Options{MasterKey: key}, "Options.Dir is empty"},
		{"a malformed region is refused", Options{InMemory: true, MasterKey: key, Region: "Mars"}, "Options.Region"},
		{"an account that is not 12 digits is refused", Options{InMemory: true, MasterKey: key, AccountID: "12345"}, "Options.AccountID"},
		{"a negative ReapInterval is refused", Options{InMemory: true, MasterKey: key, ReapInterval: -1}, "ReapInterval"},
	}
	t.Run("a cancelled context is refused", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		s, err := Open(ctx, Options{InMemory: true, MasterKey: key})
		if !errors.Is(err, context.Canceled) {
			if s != nil {
				s.Close()
			}
			t.Fatalf("Open = %v, want context.Canceled", err)
		}
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(context.Background(), tt.o)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Open error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}
