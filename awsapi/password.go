package awsapi

import (
	"context"

	"github.com/secretstore-go/secretstore"
)

// GetRandomPassword

type getRandomPasswordRequest struct {
	PasswordLength          *int64
	ExcludeCharacters       string
	ExcludeNumbers          bool
	ExcludePunctuation      bool
	ExcludeUppercase        bool
	ExcludeLowercase        bool
	IncludeSpace            bool
	RequireEachIncludedType *bool
}

func (r *getRandomPasswordRequest) secretID() string { return "" }

func (r *getRandomPasswordRequest) check() error {
	var v violations
	minValue(&v, "passwordLength", r.PasswordLength, 1)
	return v.err()
}

type getRandomPasswordResponse struct {
	RandomPassword string `json:"RandomPassword,omitempty"`
}

func getRandomPassword(ctx context.Context, s *secretstore.Store, r *getRandomPasswordRequest) (*secretstore.GetRandomPasswordOutput, error) {
	in := &secretstore.GetRandomPasswordInput{
		ExcludeCharacters:       r.ExcludeCharacters,
		ExcludeNumbers:          r.ExcludeNumbers,
		ExcludePunctuation:      r.ExcludePunctuation,
		ExcludeUppercase:        r.ExcludeUppercase,
		ExcludeLowercase:        r.ExcludeLowercase,
		IncludeSpace:            r.IncludeSpace,
		RequireEachIncludedType: r.RequireEachIncludedType,
	}
	if r.PasswordLength != nil {
		in.PasswordLength = *r.PasswordLength
	}
	return s.GetRandomPassword(ctx, in)
}

// getRandomPasswordOut is GetRandomPasswordOutput on the wire.
func getRandomPasswordOut(out *secretstore.GetRandomPasswordOutput) any {
	return getRandomPasswordResponse{RandomPassword: out.RandomPassword}
}
