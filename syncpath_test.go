package hydra

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A Sync text or JSON destination formats outside its lock: two callers
// are inside ReplaceAttr at once, which a lock held across formatting
// would never allow.
func TestSyncFormatsOutsideTheLock(t *testing.T) {
	var inside atomic.Int32
	both := make(chan struct{})
	var once sync.Once
	cfg := oneLayer(Destination{Type: "writer", Writer: new(syncBuffer), Format: "json", Sync: true})
	cfg.ReplaceAttr = func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == "wait" {
			if inside.Add(1) == 2 {
				once.Do(func() { close(both) })
			}
			select {
			case <-both:
			case <-time.After(5 * time.Second):
			}
		}
		return a
	}
	h := newTest(t, cfg)
	l := slog.New(h)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { l.Info("m", "wait", true) })
	}
	wg.Wait()
	select {
	case <-both:
	default:
		t.Fatal("the two callers never formatted at once: formatting holds the lock")
	}
	require.Equal(t, uint64(2), h.Stats().Written)
}
