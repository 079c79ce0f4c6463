package secretstore

import (
	"crypto/rand"
	"fmt"
	"io"

	"github.com/secretstore-go/secretstore/internal/arn"
)

// Unbiased random choices, for passwords and ARN suffixes.

const (
	randBufferBytes   = 512
	randMaxEmptyReads = 100
)

// randSource draws unbiased random integers from the bytes of an
// io.Reader, reading them in blocks.
type randSource struct {
	r   io.Reader
	buf [randBufferBytes]byte
	pos int   // next unread byte of buf
	end int   // end of the valid bytes of buf
	err error // error returned with the last block, reported once it is used up
}

// readByte returns the next random byte.
func (p *randSource) readByte() (byte, error) {
	if p.pos == p.end {
		if err := p.fill(); err != nil {
			return 0, newErrorf(ErrInternalServiceError, "reading random bytes: %v", err)
		}
	}
	b := p.buf[p.pos]
	p.pos++
	return b, nil
}

// fill reads the next block of random bytes into buf.
func (p *randSource) fill() error {
	if p.err != nil {
		return p.err
	}
	for range randMaxEmptyReads {
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
func (p *randSource) intn(n int) (int, error) {
	if n < 1 || n > 1<<16 {
		panic(fmt.Sprintf("secretstore: randSource.intn(%d) out of range", n))
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

// newSuffix returns the six random letters and digits AWS appends to a
// secret's name in its ARN.
func newSuffix() string {
	const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	rnd := randSource{r: rand.Reader}
	var b [arn.SuffixLen]byte
	for i := range b {
		j, err := rnd.intn(len(chars))
		if err != nil {
			panic(fmt.Sprintf("secretstore: crypto/rand failed: %v", err)) // crypto/rand.Read never fails on supported platforms
		}
		b[i] = chars[j]
	}
	return string(b[:])
}
