package main

import (
	"testing"
	"time"

	"github.com/secretstore-go/secretstore/awsapi"
)

func TestOffsetClock(t *testing.T) {
	t.Parallel()
	wall := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newOffsetClock(func() time.Time { return wall })
	if !c.Now().Equal(wall) {
		t.Errorf("Now = %v, want the real time %v", c.Now(), wall)
	}
	if got := c.Advance(720 * time.Hour); !got.Equal(wall.Add(720*time.Hour)) || !c.Now().Equal(got) {
		t.Errorf("Advance(720h) = %v, Now %v", got, c.Now())
	}
	wall = wall.Add(time.Minute) // real time runs on, and the clock with it
	if want := wall.Add(720 * time.Hour); !c.Now().Equal(want) {
		t.Errorf("a minute later Now = %v, want %v", c.Now(), want)
	}
	target := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	c.Set(target)
	if !c.Now().Equal(target) {
		t.Errorf("after Set, Now = %v, want %v", c.Now(), target)
	}
	wall = wall.Add(time.Second)
	if want := target.Add(time.Second); !c.Now().Equal(want) {
		t.Errorf("a second after Set, Now = %v, want %v", c.Now(), want)
	}
	c.Set(wall.Add(-48 * time.Hour)) // backwards is allowed
	if want := wall.Add(-48 * time.Hour); !c.Now().Equal(want) {
		t.Errorf("after setting the clock back, Now = %v, want %v", c.Now(), want)
	}
	c.ResetToRealTime()
	if !c.Now().Equal(wall) {
		t.Errorf("after ResetToRealTime, Now = %v, want the real time %v", c.Now(), wall)
	}
}

var _ awsapi.RealTimeClock = (*offsetClock)(nil)

func TestOffsetClockConcurrentUse(t *testing.T) {
	t.Parallel()
	c := newOffsetClock(time.Now)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 100 {
			c.Advance(time.Hour)
		}
	}()
	for range 100 {
		c.Now()
	}
	<-done
	if d := time.Until(c.Now()); d < 99*time.Hour {
		t.Errorf("after 100 one-hour advances the clock is only %v ahead", d)
	}
}
