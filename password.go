package secretstore

import (
	"context"
	"crypto/rand"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/secretstore-go/secretstore/internal/awsmodel"
)

// GetRandomPasswordInput is the request of GetRandomPassword. The zero value
// asks for a 32-character password drawn from lowercase and uppercase letters,
// digits and punctuation, with at least one character of each.
type GetRandomPasswordInput struct {
	// PasswordLength is the length of the password, 1 to 4096. Zero means
	// the default, 32.
	PasswordLength int64

	// ExcludeCharacters lists characters the password must not contain, at
	// most 4096 of them. They are removed from every character class; a
	// class left empty counts as excluded.
	ExcludeCharacters string

	// ExcludeNumbers leaves the digits 0-9 out of the password.
	ExcludeNumbers bool

	// ExcludePunctuation leaves punctuation out of the password, that is
	// the 32 characters !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~.
	ExcludePunctuation bool

	// ExcludeUppercase leaves the uppercase letters A-Z out of the password.
	ExcludeUppercase bool

	// ExcludeLowercase leaves the lowercase letters a-z out of the password.
	ExcludeLowercase bool

	// IncludeSpace adds the space character to the characters the password
	// is drawn from, as a class of its own.
	IncludeSpace bool

	// RequireEachIncludedType makes the password contain at least one
	// character of every included class (lowercase, uppercase, digits,
	// punctuation and, with IncludeSpace, space). Nil means true.
	RequireEachIncludedType *bool
}

// GetRandomPasswordOutput is the response of GetRandomPassword.
type GetRandomPasswordOutput struct {
	// RandomPassword is the generated password.
	RandomPassword string
}

const (
	passwordLowercase   = "abcdefghijklmnopqrstuvwxyz"
	passwordUppercase   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	passwordDigits      = "0123456789"
	passwordPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
)

// randomPassword generates the password described by in. r is the source of
// randomness: crypto/rand.Reader in production; tests may pass a
// deterministic reader. A nil in is the same as the zero value.
//
// Every character is chosen uniformly, by rejection sampling over bytes read
// from r. When each included class is required, one character of each class
// is chosen, the rest are chosen from all allowed characters, and the result
// is shuffled (Fisher–Yates) so the required characters land at uniformly
// random positions.
func randomPassword(in *GetRandomPasswordInput, r io.Reader) (string, error) {
	if in == nil {
		in = &GetRandomPasswordInput{}
	}
	if err := validatePasswordInput(in); err != nil {
		return "", err
	}
	length := int(in.PasswordLength)
	if length == 0 {
		length = awsmodel.DefaultPasswordLength
	}
	require := in.RequireEachIncludedType == nil || *in.RequireEachIncludedType

	classes, space := passwordClasses(in)
	if len(classes) == 0 && !space {
		return "", newError(ErrInvalidParameter, awsmodel.PasswordNoCharacters)
	}
	if require && length < len(classes) {
		return "", newError(ErrInvalidParameter, awsmodel.PasswordTooShort)
	}
	alphabet := strings.Join(classes, "")
	if space {
		alphabet += " " // allowed, never required: AWS requires letters, digits and punctuation
	}

	rnd := &randSource{r: r}
	pw := make([]byte, 0, length)
	if require {
		for _, class := range classes {
			i, err := rnd.intn(len(class))
			if err != nil {
				return "", err
			}
			pw = append(pw, class[i])
		}
	}
	for len(pw) < length {
		i, err := rnd.intn(len(alphabet))
		if err != nil {
			return "", err
		}
		pw = append(pw, alphabet[i])
	}
	if require {
		// The required characters are at the front; move them to
		// uniformly random positions.
		for i := len(pw) - 1; i > 0; i-- {
			j, err := rnd.intn(i + 1)
			if err != nil {
				return "", err
			}
			pw[i], pw[j] = pw[j], pw[i]
		}
	}
	return string(pw), nil
}

// validatePasswordInput checks in against the constraints of the AWS API
// model and reports every violation in one ValidationException, as AWS does.
func validatePasswordInput(in *GetRandomPasswordInput) error {
	var length string
	if in.PasswordLength != 0 {
		length = awsmodel.Range("passwordLength", in.PasswordLength, 1, awsmodel.MaxPasswordLength)
	}
	return validation(length,
		awsmodel.Length("excludeCharacters", utf8.RuneCountInString(in.ExcludeCharacters), 0, awsmodel.MaxExcludeCharacters))
}

// passwordClasses returns the character classes in chooses from, with the
// characters of in.ExcludeCharacters removed and empty classes dropped.
func passwordClasses(in *GetRandomPasswordInput) (classes []string, space bool) {
	var excluded [utf8.RuneSelf]bool
	for _, c := range in.ExcludeCharacters {
		if c < utf8.RuneSelf {
			excluded[c] = true
		}
	}
	keep := func(c rune) rune {
		if excluded[c] {
			return -1
		}
		return c
	}
	candidates := []struct {
		skip  bool
		chars string
	}{
		{in.ExcludeLowercase, passwordLowercase},
		{in.ExcludeUppercase, passwordUppercase},
		{in.ExcludeNumbers, passwordDigits},
		{in.ExcludePunctuation, passwordPunctuation},
	}
	for _, c := range candidates {
		if c.skip {
			continue
		}
		if class := strings.Map(keep, c.chars); class != "" {
			classes = append(classes, class)
		}
	}
	return classes, in.IncludeSpace && !excluded[' ']
}

// GetRandomPassword generates a random password from crypto/rand, with the
// character classes the input asks for.
func (s *Store) GetRandomPassword(ctx context.Context, in *GetRandomPasswordInput) (*GetRandomPasswordOutput, error) {
	var out *GetRandomPasswordOutput
	err := s.run(ctx, &call{
		op: awsmodel.OpGetRandomPassword,
		in: in,
		do: func(*tx, *secretRecord) (bool, error) {
			p, err := randomPassword(in, rand.Reader)
			if err != nil {
				return false, err
			}
			out = &GetRandomPasswordOutput{RandomPassword: p}
			return false, nil
		},
	})
	return out, err
}
