package secretstore

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
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
	passwordDefaultLength     = 32
	passwordMaxLength         = 4096
	passwordMaxExcludeLength  = 4096
	passwordLowercase         = "abcdefghijklmnopqrstuvwxyz"
	passwordUppercase         = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	passwordDigits            = "0123456789"
	passwordPunctuation       = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
	passwordMsgNoCharacters   = "No characters are left to build a password from: every character class is excluded."
	passwordMsgTooShort       = "Password length is too short based on the required types."
	passwordMaxEmptyReads     = 100
	passwordRandomBufferBytes = 512
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
		length = passwordDefaultLength
	}
	require := in.RequireEachIncludedType == nil || *in.RequireEachIncludedType

	classes := passwordClasses(in)
	if len(classes) == 0 {
		return "", newError(ErrInvalidParameter, passwordMsgNoCharacters)
	}
	if require && length < len(classes) {
		return "", newError(ErrInvalidParameter, passwordMsgTooShort)
	}
	alphabet := strings.Join(classes, "")

	rnd := &passwordRand{r: r}
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
	var problems []string
	switch {
	case in.PasswordLength < 0:
		problems = append(problems, fmt.Sprintf("Value '%d' at 'passwordLength' failed to satisfy constraint: Member must have value greater than or equal to 1", in.PasswordLength))
	case in.PasswordLength > passwordMaxLength:
		problems = append(problems, fmt.Sprintf("Value '%d' at 'passwordLength' failed to satisfy constraint: Member must have value less than or equal to %d", in.PasswordLength, passwordMaxLength))
	}
	if utf8.RuneCountInString(in.ExcludeCharacters) > passwordMaxExcludeLength {
		problems = append(problems, fmt.Sprintf("Value at 'excludeCharacters' failed to satisfy constraint: Member must have length less than or equal to %d", passwordMaxExcludeLength))
	}
	switch len(problems) {
	case 0:
		return nil
	case 1:
		return newError(ErrValidation, "1 validation error detected: %s", problems[0])
	default:
		return newError(ErrValidation, "%d validation errors detected: %s", len(problems), strings.Join(problems, "; "))
	}
}

// passwordClasses returns the character classes in chooses from, with the
// characters of in.ExcludeCharacters removed and empty classes dropped.
func passwordClasses(in *GetRandomPasswordInput) []string {
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
		{!in.IncludeSpace, " "},
	}
	var classes []string
	for _, c := range candidates {
		if c.skip {
			continue
		}
		if class := strings.Map(keep, c.chars); class != "" {
			classes = append(classes, class)
		}
	}
	return classes
}

// passwordRand draws unbiased random integers from the bytes of an
// io.Reader, reading them in blocks.
type passwordRand struct {
	r   io.Reader
	buf [passwordRandomBufferBytes]byte
	pos int   // next unread byte of buf
	end int   // end of the valid bytes of buf
	err error // error returned with the last block, reported once it is used up
}

// readByte returns the next random byte.
func (p *passwordRand) readByte() (byte, error) {
	if p.pos == p.end {
		if err := p.fill(); err != nil {
			return 0, newError(ErrInternalServiceError, "reading random bytes: %v", err)
		}
	}
	b := p.buf[p.pos]
	p.pos++
	return b, nil
}

// fill reads the next block of random bytes into buf.
func (p *passwordRand) fill() error {
	if p.err != nil {
		return p.err
	}
	for range passwordMaxEmptyReads {
		n, err := p.r.Read(p.buf[:])
		if n > 0 {
			p.pos, p.end, p.err = 0, n, err
			return nil
		}
		if err != nil {
			p.err = err
			return err
		}
	}
	p.err = io.ErrNoProgress
	return p.err
}

// intn returns a uniformly random integer in [0, n), for 1 <= n <= 1<<16.
// It reads one byte when n <= 256 and two otherwise, and rejects values at
// or above the largest multiple of n that fits, so there is no modulo bias.
func (p *passwordRand) intn(n int) (int, error) {
	if n < 1 || n > 1<<16 {
		panic(fmt.Sprintf("secretstore: passwordRand.intn(%d) out of range", n))
	}
	if n == 1 {
		return 0, nil
	}
	space, width := 1<<8, 1
	if n > space {
		space, width = 1<<16, 2
	}
	limit := space - space%n
	for {
		v := 0
		for range width {
			b, err := p.readByte()
			if err != nil {
				return 0, err
			}
			v = v<<8 | int(b)
		}
		if v < limit {
			return v % n, nil
		}
	}
}

// GetRandomPassword generates a random password from crypto/rand, with the
// character classes the input asks for.
func (s *Store) GetRandomPassword(ctx context.Context, in *GetRandomPasswordInput) (*GetRandomPasswordOutput, error) {
	var out *GetRandomPasswordOutput
	err := s.run(ctx, "GetRandomPassword", "", func(*core) (*secretRecord, error) {
		p, err := randomPassword(in, rand.Reader)
		if err != nil {
			return nil, err
		}
		out = &GetRandomPasswordOutput{RandomPassword: p}
		return nil, nil
	})
	return out, err
}
