package secretstore

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	mrand "math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/secretstore-go/secretstore/internal/awsmodel"
)

func passwordBoolPtr(b bool) *bool { return &b }

// passwordSeededReader returns a deterministic source of random bytes, so the
// statistical tests below give the same result on every run.
func passwordSeededReader(seed byte) io.Reader {
	var s [32]byte
	s[0] = seed
	return mrand.NewChaCha8(s)
}

// passwordASCIIExcept returns every printable ASCII character (space included)
// that is not in keep.
func passwordASCIIExcept(keep string) string {
	var b strings.Builder
	for c := byte(' '); c <= '~'; c++ {
		if !strings.ContainsRune(keep, rune(c)) {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func TestPasswordPunctuationClass(t *testing.T) {
	t.Parallel()
	if len(passwordPunctuation) != 32 {
		t.Fatalf("len(passwordPunctuation) = %d, want 32", len(passwordPunctuation))
	}
	for c := byte('!'); c <= '~'; c++ {
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if got := strings.IndexByte(passwordPunctuation, c) >= 0; got == alnum {
			t.Errorf("%q in punctuation = %v, want %v", c, got, !alnum)
		}
	}
}

func TestRandomPassword(t *testing.T) {
	t.Parallel()
	lower, upper, digits, punct := passwordLowercase, passwordUppercase, passwordDigits, passwordPunctuation
	tests := []struct {
		name     string
		in       *GetRandomPasswordInput
		iters    int
		wantLen  int
		allowed  string   // every character must be one of these
		required []string // every password must contain a character of each
	}{
		{
			name:     "nil input",
			in:       nil,
			wantLen:  32,
			allowed:  lower + upper + digits + punct,
			required: []string{lower, upper, digits, punct},
		},
		{
			name:     "default length",
			in:       &GetRandomPasswordInput{},
			iters:    50,
			wantLen:  32,
			allowed:  lower + upper + digits + punct,
			required: []string{lower, upper, digits, punct},
		},
		{
			name:    "length 1 without required types",
			in:      &GetRandomPasswordInput{PasswordLength: 1, RequireEachIncludedType: passwordBoolPtr(false)},
			iters:   50,
			wantLen: 1,
			allowed: lower + upper + digits + punct,
		},
		{
			name:     "length 1 with one class",
			in:       &GetRandomPasswordInput{PasswordLength: 1, ExcludeLowercase: true, ExcludeUppercase: true, ExcludePunctuation: true},
			iters:    50,
			wantLen:  1,
			allowed:  digits,
			required: []string{digits},
		},
		{
			name:     "length 4096",
			in:       &GetRandomPasswordInput{PasswordLength: 4096},
			wantLen:  4096,
			allowed:  lower + upper + digits + punct,
			required: []string{lower, upper, digits, punct},
		},
		{
			name:     "length 4096 without required types",
			in:       &GetRandomPasswordInput{PasswordLength: 4096, RequireEachIncludedType: passwordBoolPtr(false)},
			wantLen:  4096,
			allowed:  lower + upper + digits + punct,
			required: []string{lower, upper, digits, punct}, // not enforced, but certain at this length
		},
		{
			name:     "exclude numbers",
			in:       &GetRandomPasswordInput{ExcludeNumbers: true},
			iters:    50,
			wantLen:  32,
			allowed:  lower + upper + punct,
			required: []string{lower, upper, punct},
		},
		{
			name:     "exclude punctuation",
			in:       &GetRandomPasswordInput{ExcludePunctuation: true},
			iters:    50,
			wantLen:  32,
			allowed:  lower + upper + digits,
			required: []string{lower, upper, digits},
		},
		{
			name:     "exclude uppercase",
			in:       &GetRandomPasswordInput{ExcludeUppercase: true},
			iters:    50,
			wantLen:  32,
			allowed:  lower + digits + punct,
			required: []string{lower, digits, punct},
		},
		{
			name:     "exclude lowercase",
			in:       &GetRandomPasswordInput{ExcludeLowercase: true},
			iters:    50,
			wantLen:  32,
			allowed:  upper + digits + punct,
			required: []string{upper, digits, punct},
		},
		{
			name:     "exclude characters",
			in:       &GetRandomPasswordInput{PasswordLength: 64, ExcludeCharacters: "aeiouAEIOU01lI|`'\"\\"},
			iters:    50,
			wantLen:  64,
			allowed:  passwordASCIIExcept("aeiouAEIOU01lI|`'\"\\ "),
			required: []string{lower, upper, digits, punct},
		},
		{
			name:     "exclude characters empties a class",
			in:       &GetRandomPasswordInput{PasswordLength: 3, ExcludeCharacters: digits},
			iters:    200,
			wantLen:  3,
			allowed:  lower + upper + punct,
			required: []string{lower, upper, punct},
		},
		{
			name:     "exclude characters leaves one character",
			in:       &GetRandomPasswordInput{PasswordLength: 8, ExcludeCharacters: passwordASCIIExcept("x")},
			wantLen:  8,
			allowed:  "x",
			required: []string{"x"},
		},
		{
			name:     "exclude characters of maximum length",
			in:       &GetRandomPasswordInput{ExcludeCharacters: strings.Repeat("é", 4096)},
			wantLen:  32,
			allowed:  lower + upper + digits + punct,
			required: []string{lower, upper, digits, punct},
		},
		{
			name:     "include space",
			in:       &GetRandomPasswordInput{PasswordLength: 5, IncludeSpace: true},
			iters:    500,
			wantLen:  5,
			allowed:  lower + upper + digits + punct + " ",
			required: []string{lower, upper, digits, punct}, // AWS does not require the space
		},
		{
			name:    "include space but exclude it",
			in:      &GetRandomPasswordInput{IncludeSpace: true, ExcludeCharacters: " "},
			iters:   50,
			wantLen: 32,
			allowed: lower + upper + digits + punct,
		},
		{
			name:     "each type required in short passwords",
			in:       &GetRandomPasswordInput{PasswordLength: 4, RequireEachIncludedType: passwordBoolPtr(true)},
			iters:    1000,
			wantLen:  4,
			allowed:  lower + upper + digits + punct,
			required: []string{lower, upper, digits, punct},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range max(tt.iters, 1) {
				pw, err := randomPassword(tt.in, rand.Reader)
				if err != nil {
					t.Fatalf("randomPassword: %v", err)
				}
				if len(pw) != tt.wantLen {
					t.Fatalf("len = %d, want %d: %q", len(pw), tt.wantLen, pw)
				}
				if i := strings.IndexFunc(pw, func(c rune) bool { return !strings.ContainsRune(tt.allowed, c) }); i >= 0 {
					t.Fatalf("password %q has disallowed character %q", pw, pw[i])
				}
				for _, class := range tt.required {
					if !strings.ContainsAny(pw, class) {
						t.Fatalf("password %q has no character of %q", pw, class)
					}
				}
			}
		})
	}
}

func TestRandomPasswordErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      *GetRandomPasswordInput
		want    error
		wantMsg string
	}{
		{
			name:    "negative length",
			in:      &GetRandomPasswordInput{PasswordLength: -1},
			want:    ErrValidation,
			wantMsg: "1 validation error detected: Value '-1' at 'passwordLength' failed to satisfy constraint: Member must have value greater than or equal to 1",
		},
		{
			name:    "length 4097",
			in:      &GetRandomPasswordInput{PasswordLength: 4097},
			want:    ErrValidation,
			wantMsg: "1 validation error detected: Value '4097' at 'passwordLength' failed to satisfy constraint: Member must have value less than or equal to 4096",
		},
		{
			name:    "exclude characters too long",
			in:      &GetRandomPasswordInput{ExcludeCharacters: strings.Repeat("a", 4097)},
			want:    ErrValidation,
			wantMsg: "1 validation error detected: Value at 'excludeCharacters' failed to satisfy constraint: Member must have length less than or equal to 4096",
		},
		{
			name:    "two validation errors",
			in:      &GetRandomPasswordInput{PasswordLength: 5000, ExcludeCharacters: strings.Repeat("a", 4097)},
			want:    ErrValidation,
			wantMsg: "2 validation errors detected: Value '5000' at 'passwordLength' failed to satisfy constraint: Member must have value less than or equal to 4096; Value at 'excludeCharacters' failed to satisfy constraint: Member must have length less than or equal to 4096",
		},
		{
			name: "all classes excluded",
			in: &GetRandomPasswordInput{
				ExcludeLowercase: true, ExcludeUppercase: true, ExcludeNumbers: true, ExcludePunctuation: true,
			},
			want:    ErrInvalidParameter,
			wantMsg: awsmodel.PasswordNoCharacters,
		},
		{
			name:    "all characters excluded",
			in:      &GetRandomPasswordInput{IncludeSpace: true, ExcludeCharacters: passwordASCIIExcept("")},
			want:    ErrInvalidParameter,
			wantMsg: awsmodel.PasswordNoCharacters,
		},
		{
			name:    "all classes excluded without required types",
			in:      &GetRandomPasswordInput{ExcludeCharacters: passwordASCIIExcept(" "), RequireEachIncludedType: passwordBoolPtr(false)},
			want:    ErrInvalidParameter,
			wantMsg: awsmodel.PasswordNoCharacters,
		},
		{
			name:    "length 2 with 4 required classes",
			in:      &GetRandomPasswordInput{PasswordLength: 2},
			want:    ErrInvalidParameter,
			wantMsg: awsmodel.PasswordTooShort,
		},
		{
			name:    "length 3 with 4 required classes and a space",
			in:      &GetRandomPasswordInput{PasswordLength: 3, IncludeSpace: true},
			want:    ErrInvalidParameter,
			wantMsg: awsmodel.PasswordTooShort,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pw, err := randomPassword(tt.in, rand.Reader)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if pw != "" {
				t.Errorf("password = %q, want empty with an error", pw)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %T, want *Error", err)
			}
			if e.Message != tt.wantMsg {
				t.Errorf("message = %q, want %q", e.Message, tt.wantMsg)
			}
		})
	}
}

// TestRandomPasswordFrequency checks that every allowed character is drawn
// with about the same frequency. The reader is seeded, so the test is
// deterministic; the bounds are loose enough to hold for any sane seed.
func TestRandomPasswordFrequency(t *testing.T) {
	t.Parallel()
	in := &GetRandomPasswordInput{PasswordLength: 4096, IncludeSpace: true, RequireEachIncludedType: passwordBoolPtr(false)}
	r := passwordSeededReader(1)
	counts := map[rune]int{}
	const passwords = 5
	for range passwords {
		pw, err := randomPassword(in, r)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range pw {
			counts[c]++
		}
	}
	allowed := passwordASCIIExcept("")
	if len(allowed) != 95 {
		t.Fatalf("len(allowed) = %d, want 95", len(allowed))
	}
	expected := float64(passwords*4096) / float64(len(allowed))
	var chi2 float64
	for _, c := range allowed {
		n := float64(counts[c])
		if n < expected/2 || n > expected*2 {
			t.Errorf("%q drawn %v times, expected about %.0f", c, n, expected)
		}
		chi2 += (n - expected) * (n - expected) / expected
	}
	if len(counts) != len(allowed) {
		t.Errorf("drew %d distinct characters, want %d", len(counts), len(allowed))
	}
	// 94 degrees of freedom: the 99.99th percentile is about 150.
	if chi2 > 200 {
		t.Errorf("chi-square = %.1f over 94 degrees of freedom, too uneven", chi2)
	}
}

// TestRandomPasswordRequiredPositions checks that required characters are
// not always placed at the same position.
func TestRandomPasswordRequiredPositions(t *testing.T) {
	t.Parallel()
	// Two classes: "a" and "1". At least one 1 is required; the other
	// seven characters are a or 1.
	in := &GetRandomPasswordInput{
		PasswordLength:     8,
		ExcludeUppercase:   true,
		ExcludePunctuation: true,
		ExcludeCharacters:  passwordLowercase[1:] + "023456789",
	}
	r := passwordSeededReader(2)
	var seen [8]int
	for range 500 {
		pw, err := randomPassword(in, r)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(pw, "1") || !strings.Contains(pw, "a") {
			t.Fatalf("password %q lacks a required class", pw)
		}
		for i := range pw {
			if pw[i] == '1' {
				seen[i]++
			}
		}
	}
	for i, n := range seen {
		if n == 0 {
			t.Errorf("no 1 at position %d in 500 passwords: %v", i, seen)
		}
	}
}

// passwordZeroReader returns no bytes and no error, forever.
type passwordZeroReader struct{}

func (passwordZeroReader) Read([]byte) (int, error) { return 0, nil }

func TestRandomPasswordReaderErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		r    io.Reader
	}{
		{"error", iotest.ErrReader(errors.New("entropy pool on fire"))},
		{"empty", bytes.NewReader(nil)},
		{"too short", io.LimitReader(rand.Reader, 10)},
		{"error after data", iotest.DataErrReader(io.LimitReader(rand.Reader, 10))},
		{"no progress", passwordZeroReader{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pw, err := randomPassword(&GetRandomPasswordInput{}, tt.r)
			if !errors.Is(err, ErrInternalServiceError) {
				t.Fatalf("err = %v, want %v", err, ErrInternalServiceError)
			}
			if pw != "" {
				t.Errorf("password = %q, want empty with an error", pw)
			}
			if !strings.Contains(err.Error(), "reading random bytes: ") {
				t.Errorf("err = %q, want it to mention reading random bytes", err)
			}
		})
	}
}

func TestRandomPasswordShortReads(t *testing.T) {
	t.Parallel()
	pw, err := randomPassword(&GetRandomPasswordInput{PasswordLength: 100}, iotest.OneByteReader(rand.Reader))
	if err != nil {
		t.Fatal(err)
	}
	if len(pw) != 100 {
		t.Errorf("len = %d, want 100", len(pw))
	}
}

func TestRandomPasswordDeterministic(t *testing.T) {
	t.Parallel()
	in := &GetRandomPasswordInput{PasswordLength: 20, IncludeSpace: true}
	a, err := randomPassword(in, passwordSeededReader(3))
	if err != nil {
		t.Fatal(err)
	}
	b, err := randomPassword(in, passwordSeededReader(3))
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Errorf("same seed gave %q and %q", a, b)
	}
}

func TestPasswordRandIntn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		n        int
		data     []byte
		want     int
		consumed int
	}{
		{"one needs no bytes", 1, nil, 0, 0},
		{"accepted byte", 95, []byte{7}, 7, 1},
		{"modulo of accepted byte", 95, []byte{189}, 94, 1},
		{"bytes at or above 190 rejected", 95, []byte{190, 255, 100}, 5, 3},
		{"power of two never rejects", 256, []byte{255}, 255, 1},
		{"two bytes above 256", 300, []byte{0x01, 0x2d}, 1, 2},
		{"two-byte values at or above 65400 rejected", 300, []byte{0xff, 0x78, 0x00, 0x05}, 5, 4},
		{"largest n", 4096, []byte{0xff, 0xff}, 4095, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := bytes.NewReader(tt.data)
			p := &randSource{r: src}
			got, err := p.intn(tt.n)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("intn(%d) = %d, want %d", tt.n, got, tt.want)
			}
			if used := p.end - p.pos + src.Len(); len(tt.data)-used != tt.consumed {
				t.Errorf("consumed %d bytes, want %d", len(tt.data)-used, tt.consumed)
			}
		})
	}
}

func BenchmarkRandomPassword(b *testing.B) {
	in := &GetRandomPasswordInput{}
	for b.Loop() {
		if _, err := randomPassword(in, rand.Reader); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRandomPasswordSpaceIsNotRequired is the case a peer test suite
// found: AWS's RequireEachIncludedType asks for "at least one upper and
// lowercase letter, one number, and one punctuation", not a space, so 4
// characters with IncludeSpace are enough.
func TestRandomPasswordSpaceIsNotRequired(t *testing.T) {
	t.Parallel()
	for range 200 {
		pw, err := randomPassword(&GetRandomPasswordInput{PasswordLength: 4, IncludeSpace: true}, rand.Reader)
		if err != nil || len(pw) != 4 || strings.Contains(pw, " ") {
			t.Fatalf("PasswordLength 4 with IncludeSpace = %q, %v; want the four required classes", pw, err)
		}
	}
}
