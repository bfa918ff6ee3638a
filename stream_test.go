package hydra

// Stream batching (stream.go): batches of whole records, what a short or
// failed Write counts, and a formatting panic that fails one record.

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeRecorder keeps every Write call's bytes.
type writeRecorder struct {
	mu     sync.Mutex
	writes [][]byte
}

func (w *writeRecorder) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes = append(w.writes, bytes.Clone(p))
	return len(p), nil
}

func TestBatchesAreRecordAligned(t *testing.T) {
	w := &writeRecorder{}
	h := newTest(t, namedLayer(Destination{Type: "writer", Writer: w, Format: "json"}))
	l := slog.New(h).With("layer", "L")
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 2000 {
				l.Info("m", "g", g, "i", i, "pad", strings.Repeat("x", (i*37)%3000))
			}
		})
	}
	wg.Wait()
	require.NoError(t, h.Close())

	records := 0
	for _, p := range w.writes {
		require.True(t, bytes.HasSuffix(p, []byte("\n")), "a Write ends with a whole record")
		n := len(lines(p))
		if n > 1 {
			require.LessOrEqual(t, len(p), batchBytes, "a batch of several records fits the batch size")
		}
		for _, rec := range jsonRecords(t, p) {
			require.Equal(t, "m", rec["msg"])
		}
		records += n
	}
	assert.Equal(t, 8000, records)
	assert.Less(t, len(w.writes), 8000/2, "records are batched")
}

// shortWriter accepts the first n bytes of every write.
type shortWriter struct {
	n   int
	err error
}

func (w shortWriter) Write(p []byte) (int, error) { return min(w.n, len(p)), w.err }

type panicWriter struct{}

func (panicWriter) Write([]byte) (int, error) { panic("no disk") }

// constEncoder formats every record as its message and a newline.
type constEncoder struct{}

func (constEncoder) append(dst []byte, e *entry) []byte {
	return append(append(dst, e.rec.Message...), '\n')
}

func TestWriteCountsWholeRecords(t *testing.T) {
	rec := func(msg string) *entry { return &entry{rec: slog.NewRecord(time.Time{}, slog.LevelInfo, msg, 0)} }
	for _, tc := range []struct {
		name            string
		w               io.Writer
		written, failed int
		err             string
	}{
		{"all", shortWriter{n: 1 << 20}, 3, 0, ""},
		{"short without error", shortWriter{n: 6}, 1, 2, io.ErrShortWrite.Error()},
		{"short with error", shortWriter{n: 9, err: errDisk}, 2, 1, errDisk.Error()},
		{"nothing", shortWriter{n: 0, err: errDisk}, 0, 3, errDisk.Error()},
		{"impossible count", shortWriter{n: -1}, 0, 3, "impossible count"},
		{"panic", panicWriter{}, 0, 3, "writer panicked: no disk"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := newStreamOutput(tc.w, nil, constEncoder{}, 1024)
			for _, m := range []string{"aaaa", "bbb", "cc"} { // 5 + 4 + 3 bytes
				require.Equal(t, result{}, o.add(rec(m)))
			}
			notice := rec("n")
			notice.notice = true
			o.add(notice) // written or not, never counted
			res := o.flush()
			assert.Equal(t, tc.written, res.written)
			assert.Equal(t, tc.failed, res.failed)
			if tc.err == "" {
				assert.NoError(t, res.err)
			} else {
				assert.ErrorContains(t, res.err, tc.err)
			}
		})
	}
}

func TestBatchCarriesOverARecordThatDoesNotFit(t *testing.T) {
	w := &writeRecorder{}
	o := newStreamOutput(w, nil, constEncoder{}, 10)
	rec := func(msg string) *entry { return &entry{rec: slog.NewRecord(time.Time{}, slog.LevelInfo, msg, 0)} }
	assert.Equal(t, result{}, o.add(rec("aaaa")))
	assert.Equal(t, result{}, o.add(rec("bbbb"))) // 10 bytes: exactly full
	assert.True(t, o.full())
	assert.Equal(t, result{written: 2}, o.add(rec("cccccccccccc"))) // the batch before it is written
	assert.Equal(t, result{written: 1}, o.flush())                  // a record larger than a batch goes alone
	assert.Equal(t, []string{"aaaa\nbbbb\n", "cccccccccccc\n"}, stringsOf(w.writes))
}

func stringsOf(bs [][]byte) []string {
	var s []string
	for _, b := range bs {
		s = append(s, string(b))
	}
	return s
}

func TestReplaceAttrPanicFailsOneRecord(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			var heard errorList
			out := &syncBuffer{}
			cfg := oneLayer(Destination{Type: "writer", Writer: out, Format: format})
			cfg.OnError = heard.add
			cfg.ReplaceAttr = func(_ []string, a slog.Attr) slog.Attr {
				if a.Key == "boom" {
					panic("ReplaceAttr exploded")
				}
				return a
			}
			h := newTest(t, cfg)
			l := slog.New(h)
			l.Info("before")
			l.Info("x", "boom", 1)
			l.With("boom", 2).Info("bound") // the panic comes from the scope's attributes
			l.Info("after")
			err := h.Flush(context.Background())
			require.Error(t, err)
			assert.Contains(t, err.Error(), "ReplaceAttr exploded")
			require.Len(t, heard.get(), 2, "OnError hears of each")
			got := out.String()
			assert.Contains(t, got, "before")
			assert.Contains(t, got, "after")
			assert.NotContains(t, got, "bound")
			assert.Len(t, lines(out.Bytes()), 2, "no half record is left behind")
			st := h.Stats()
			assert.Equal(t, uint64(2), st.Failed)
			assert.Equal(t, uint64(2), st.Written)
			requireSettled(t, st)
		})
	}
}
