package diskbuf

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRoundTripAcrossSegments(t *testing.T) {
	dir := t.TempDir()
	b := open(t, Options{Dir: dir, MaxBytes: 4 << 20, SegmentBytes: 16 << 10})
	rng := rand.New(rand.NewPCG(1, 2))

	const n = 300
	var sizes, records []int
	var want Stats
	for i := range n {
		size, recs := 8+rng.IntN(3000), 1+rng.IntN(20)
		require.NoError(t, b.Append(payload(i, size), recs))
		sizes, records = append(sizes, size), append(records, recs)
		want.Batches++
		want.Records += recs
		want.Bytes += headerSize + int64(size)
		require.Equal(t, want, b.Stats(), "after append %d", i)
	}
	segs := len(segmentFiles(t, dir))
	require.Greater(t, segs, 10, "segments")

	for i := range n {
		p, recs, ok, err := b.Next()
		require.NoError(t, err)
		require.True(t, ok, "batch %d missing", i)
		require.Equal(t, payload(i, sizes[i]), p, "batch %d", i)
		require.Equal(t, records[i], recs, "records of batch %d", i)

		again, _, _, err := b.Next()
		require.NoError(t, err)
		require.Equal(t, p, again, "Next before Ack returns the same batch")

		require.NoError(t, b.Ack())
		want.Batches--
		want.Records -= recs
		st := b.Stats()
		require.Equal(t, want.Batches, st.Batches, "batches after ack %d", i)
		require.Equal(t, want.Records, st.Records, "records after ack %d", i)
		require.LessOrEqual(t, st.Bytes, want.Bytes, "bytes after ack %d", i)
		left := len(segmentFiles(t, dir))
		require.LessOrEqual(t, left, segs, "segments after ack %d", i)
		segs = left
	}
	_, _, ok, err := b.Next()
	require.NoError(t, err)
	require.False(t, ok, "empty")
	assert.Equal(t, Stats{}, b.Stats(), "stats when empty")
	assert.Empty(t, segmentFiles(t, dir), "segments when empty")
	assert.Equal(t, Damage{}, b.TakeDamage())
}

func TestOpenTwice(t *testing.T) {
	dir := t.TempDir()
	opts := Options{Dir: dir, MaxBytes: 1 << 20}
	b, err := Open(opts)
	require.NoError(t, err)

	_, err = Open(opts)
	require.ErrorIs(t, err, ErrInUse)
	assert.Contains(t, err.Error(), "in use")
	assert.Contains(t, err.Error(), dir)

	require.NoError(t, b.Close())
	require.NoError(t, b.Close(), "Close twice")
	b2, err := Open(opts)
	require.NoError(t, err, "Open after Close")
	require.NoError(t, b2.Close())
}

func TestOptions(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		opts Options
		want string
	}{
		{"no dir", Options{MaxBytes: 1}, "Dir"},
		{"no max", Options{Dir: dir}, "MaxBytes"},
		{"negative segment", Options{Dir: dir, MaxBytes: 1, SegmentBytes: -1}, "SegmentBytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(tc.opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	for _, tc := range []struct {
		max, want int64
	}{
		{1 << 10, 64 << 10},
		{1 << 20, 256 << 10},
		{1 << 30, 8 << 20},
	} {
		b, err := Open(Options{Dir: dir, MaxBytes: tc.max})
		require.NoError(t, err)
		assert.Equal(t, tc.want, b.opts.SegmentBytes, "default SegmentBytes for MaxBytes %d", tc.max)
		require.NoError(t, b.Close())
	}
}

func TestFullAndRoom(t *testing.T) {
	const size = 100
	frame := int64(headerSize + size)
	b := open(t, Options{Dir: t.TempDir(), MaxBytes: 10 * frame, SegmentBytes: 2 * frame})
	for i := range 10 {
		require.NoError(t, b.Append(payload(i, size), 1))
	}
	before := b.Stats()
	require.ErrorIs(t, b.Append(payload(10, size), 1), ErrFull)
	require.Equal(t, before, b.Stats(), "ErrFull writes nothing")

	require.ErrorIs(t, b.Append(make([]byte, 10*frame), 1), ErrTooLarge)
	require.ErrorContains(t, b.Append(payload(10, size), 0), "records")

	room := b.Room()
	_, _, _, err := b.Next()
	require.NoError(t, err)
	require.NoError(t, b.Ack())
	select {
	case <-room:
		t.Fatal("Room closed though no segment was freed")
	default:
	}
	require.ErrorIs(t, b.Append(payload(10, size), 1), ErrFull, "half a segment acknowledged frees nothing")

	_, _, _, err = b.Next()
	require.NoError(t, err)
	require.NoError(t, b.Ack())
	select {
	case <-room:
	case <-time.After(5 * time.Second):
		t.Fatal("Room not closed after a segment was freed")
	}
	require.NoError(t, b.Append(payload(10, size), 1))
	require.NoError(t, b.Append(payload(11, size), 1))
	require.ErrorIs(t, b.Append(payload(12, size), 1), ErrFull)

	assert.Equal(t, []int{2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, indexes(drain(t, b)))
}

func TestClosed(t *testing.T) {
	b, err := Open(Options{Dir: t.TempDir(), MaxBytes: 1 << 20})
	require.NoError(t, err)
	wait, room := b.Wait(), b.Room()
	require.NoError(t, b.Close())
	for name, ch := range map[string]<-chan struct{}{"Wait before": wait, "Room before": room, "Wait after": b.Wait(), "Room after": b.Room()} {
		select {
		case <-ch:
		default:
			t.Errorf("%s Close: channel open", name)
		}
	}
	assert.ErrorIs(t, b.Append([]byte("x"), 1), ErrClosed)
	_, _, _, err = b.Next()
	assert.ErrorIs(t, err, ErrClosed)
	assert.ErrorIs(t, b.Ack(), ErrClosed)
}

func TestAckWithoutNext(t *testing.T) {
	b := open(t, Options{Dir: t.TempDir(), MaxBytes: 1 << 20})
	require.Error(t, b.Ack())
	require.NoError(t, b.Append(payload(0, 8), 1))
	require.Error(t, b.Ack(), "Ack before Next")
	assert.Equal(t, 1, b.Stats().Batches)
}

func TestWaitClosedByAppend(t *testing.T) {
	b := open(t, Options{Dir: t.TempDir(), MaxBytes: 1 << 20})
	w := b.Wait()
	select {
	case <-w:
		t.Fatal("Wait closed before any Append")
	default:
	}
	require.NoError(t, b.Append(payload(0, 8), 1))
	select {
	case <-w:
	case <-time.After(5 * time.Second):
		t.Fatal("Wait not closed by Append")
	}
}

// One writer appends many small batches, waiting on Room when full, while
// one reader takes them with Next and Ack, waiting on Wait when empty.
func TestConcurrentWriterAndReader(t *testing.T) {
	const n = 10_000
	b := open(t, Options{Dir: t.TempDir(), MaxBytes: 64 << 10, SegmentBytes: 4 << 10})
	deadline := time.After(20 * time.Second)
	stop := make(chan struct{})
	var once sync.Once
	fail := func(err error) { t.Error(err); once.Do(func() { close(stop) }) }

	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; i < n; {
			room := b.Room()
			err := b.Append(payload(i, 8+i%56), 1+i%3)
			switch {
			case err == nil:
				i++
			case errors.Is(err, ErrFull):
				select {
				case <-room:
				case <-stop:
					return
				}
			default:
				fail(err)
				return
			}
		}
	})
	wg.Go(func() {
		for next := 0; next < n; {
			ready := b.Wait()
			p, recs, ok, err := b.Next()
			if err != nil {
				fail(err)
				return
			}
			if !ok {
				select {
				case <-ready:
				case <-stop:
					return
				}
				continue
			}
			if i := batchIndex(t, p); i != next || len(p) != 8+i%56 || recs != 1+i%3 {
				fail(fmt.Errorf("got batch %d (%d bytes, %d records), want batch %d", i, len(p), recs, next))
				return
			}
			if err := b.Ack(); err != nil {
				fail(err)
				return
			}
			next++
		}
	})
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-deadline:
		once.Do(func() { close(stop) })
		<-done
		t.Fatal("writer and reader did not finish in time")
	}
	assert.Equal(t, Stats{}, b.Stats())
}
