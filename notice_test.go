package hydra

// Drop notices and OnDrop (notice.go).

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tokenWriter lets one Write through per token.
type tokenWriter struct {
	tokens chan struct{}
	out    syncBuffer
}

func (w *tokenWriter) Write(p []byte) (int, error) {
	<-w.tokens
	return w.out.Write(p)
}

func TestDropNoticeAtMostOnceASecond(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := &tokenWriter{tokens: make(chan struct{})}
		h, err := New(oneLayer(Destination{Type: "writer", Writer: w, Format: "json", Async: &AsyncOptions{QueueSize: 2, Overflow: DropNewest}}))
		require.NoError(t, err)
		l := slog.New(h)
		write := func() { w.tokens <- struct{}{}; synctest.Wait() }

		l.Info("r0")
		synctest.Wait() // the consumer waits for a token to write r0
		l.Info("r1")
		l.Info("r2")
		l.Info("x")
		l.Info("x") // two dropped
		write()     // r0; the next batch is the notice, r1 and r2
		l.Info("r3")
		l.Info("r4")
		l.Info("x") // one dropped, less than a second after the notice
		write()     // notice, r1, r2; the next batch is r3 and r4 alone
		write()     // r3, r4
		assert.Equal(t, []string{"r0", DropNotice, "r1", "r2", "r3", "r4"}, messages(t, w.out.Bytes()))

		time.Sleep(time.Second)
		l.Info("r5")
		synctest.Wait()
		write() // a second later, the pending notice goes out before r5
		assert.Equal(t, []string{"r0", DropNotice, "r1", "r2", "r3", "r4", DropNotice, "r5"}, messages(t, w.out.Bytes()))
		assert.Equal(t, uint64(3), noticed(t, w.out.Bytes()))

		st := h.Stats()
		assert.Equal(t, uint64(6), st.Written, "notices are not counted")
		assert.Equal(t, uint64(3), st.Dropped)
		close(w.tokens)
		require.NoError(t, h.Close())
	})
}

func TestPendingNoticeIsWrittenByFlushAndClose(t *testing.T) {
	for _, end := range []string{"flush", "close"} {
		t.Run(end, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				w := &tokenWriter{tokens: make(chan struct{})}
				h, err := New(oneLayer(Destination{Type: "writer", Writer: w, Format: "json", Async: &AsyncOptions{QueueSize: 2, Overflow: DropNewest}}))
				require.NoError(t, err)
				l := slog.New(h)
				write := func() { w.tokens <- struct{}{}; synctest.Wait() }
				l.Info("r0")
				synctest.Wait()
				l.Info("r1")
				l.Info("r2")
				l.Info("x")
				write() // r0; then the notice, r1 and r2
				l.Info("r3")
				l.Info("r4")
				l.Info("x") // dropped less than a second after the notice
				write()     // notice, r1, r2; then r3 and r4, with no notice
				close(w.tokens)
				synctest.Wait()
				want := []string{"r0", DropNotice, "r1", "r2", "r3", "r4"}
				require.Equal(t, want, messages(t, w.out.Bytes()))

				if end == "flush" {
					require.NoError(t, h.Flush(context.Background()))
				} else {
					require.NoError(t, h.Close())
				}
				assert.Equal(t, append(want, DropNotice), messages(t, w.out.Bytes()))
				assert.Equal(t, uint64(2), noticed(t, w.out.Bytes()), "no drop left unannounced")
				require.NoError(t, h.Close())
			})
		})
	}
}

func TestPanickingOnDropIsRecovered(t *testing.T) {
	h, l, w := stalled(t, AsyncOptions{QueueSize: 2, Overflow: DropNewest})
	h.c.table.Load().sinks[0].onDrop = func(string, uint64) { panic("OnDrop exploded") }
	logN(l, "burst", 10)
	w.Release()
	err := h.Close()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "OnDrop panicked: OnDrop exploded")
	assert.Equal(t, 1, strings.Count(w.out.String(), DropNotice), "the notice is written all the same")
	requireSettled(t, h.Stats())
}

func TestOnDropHearsOfEveryDrop(t *testing.T) {
	var heard uint64
	var dest string
	w := newStallWriter()
	cfg := oneLayer(Destination{Type: "writer", Writer: w, Format: "json", Async: &AsyncOptions{QueueSize: 4, Overflow: DropNewest}})
	cfg.OnDrop = func(d string, n uint64) { dest, heard = d, heard+n }
	h := newTest(t, cfg)
	l := slog.New(h)
	l.Info("first")
	<-w.started
	logN(l, "m", 20)
	w.Release()
	require.NoError(t, h.Close())
	assert.Equal(t, "writer", dest)
	assert.Equal(t, h.Stats().Dropped, heard)
	assert.Equal(t, uint64(16), heard)
}
