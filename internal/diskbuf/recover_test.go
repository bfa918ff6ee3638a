package diskbuf

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fill appends batches 0..n-1 (size bytes, i%5+1 records each) to a new
// buffer in dir, lets ack of them be acknowledged, and closes it; next is
// how many Next calls without Ack follow the acks. It returns the records
// left.
func fill(t *testing.T, opts Options, n, size, ack, next int) int {
	t.Helper()
	b, err := Open(opts)
	require.NoError(t, err)
	left := 0
	for i := range n {
		require.NoError(t, b.Append(payload(i, size), i%5+1))
		left += i%5 + 1
	}
	for i := range ack {
		p, _, ok, err := b.Next()
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, i, batchIndex(t, p))
		require.NoError(t, b.Ack())
		left -= i%5 + 1
	}
	for range next {
		_, _, _, err := b.Next()
		require.NoError(t, err)
	}
	require.NoError(t, b.Close())
	return left
}

func seq(from, to int) []int {
	var s []int
	for i := from; i < to; i++ {
		s = append(s, i)
	}
	return s
}

func TestRestart(t *testing.T) {
	const n = 40
	for _, tc := range []struct {
		name      string
		ack, next int
		want      []int
	}{
		{"none acknowledged", 0, 0, seq(0, n)},
		{"some acknowledged", 13, 0, seq(13, n)},
		{"one in flight comes back", 13, 1, seq(13, n)},
		{"all acknowledged", n, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			opts := Options{Dir: dir, MaxBytes: 1 << 20, SegmentBytes: 1 << 10}
			left := fill(t, opts, n, 100, tc.ack, tc.next)

			b := open(t, opts)
			st := b.Stats()
			assert.Equal(t, left, st.Recovered, "recovered")
			assert.Equal(t, left, st.Records, "records")
			assert.Equal(t, len(tc.want), st.Batches, "batches")
			assert.Equal(t, Damage{}, b.TakeDamage())

			// New batches go to a new segment, after the recovered ones.
			before := segmentFiles(t, dir)
			require.NoError(t, b.Append(payload(n, 100), 1))
			after := segmentFiles(t, dir)
			require.Len(t, after, len(before)+1, "Append after Open starts a segment")
			if len(before) > 0 {
				assert.Greater(t, after[len(after)-1], before[len(before)-1], "new segment sorts last")
			}

			assert.Equal(t, append(tc.want, n), indexes(drain(t, b)))
			assert.Equal(t, left, b.Stats().Recovered, "Recovered fixed after Open")
			assert.Zero(t, b.Stats().Bytes, "bytes when empty")
		})
	}
}

// After everything was acknowledged and deleted, sequence numbers go on
// from the ledger, so that old acknowledgements do not hide new batches.
func TestRestartAfterDrainKeepsSequence(t *testing.T) {
	dir := t.TempDir()
	opts := Options{Dir: dir, MaxBytes: 1 << 20}
	fill(t, opts, 5, 10, 5, 0)
	fill(t, opts, 3, 10, 0, 0)
	b := open(t, opts)
	assert.Equal(t, []int{0, 1, 2}, indexes(drain(t, b)))
}

// A torn write of the ledger damages one slot; the other still holds the
// acknowledgement before it, so one batch more comes back.
func TestTornLedgerSlot(t *testing.T) {
	dir := t.TempDir()
	opts := Options{Dir: dir, MaxBytes: 1 << 20}
	fill(t, opts, 10, 10, 4, 0) // four acks: generation 4 is in slot 0
	patchFile(t, filepath.Join(dir, ledgerName), 10, []byte{0xff})
	b := open(t, opts)
	assert.Equal(t, seq(3, 10), indexes(drain(t, b)))
}

const (
	corruptN    = 5
	corruptSize = 100
	corruptLen  = headerSize + corruptSize
)

// corrupted fills one segment with corruptN frames of corruptSize bytes
// (batch i holds i%5+1 records), lets damage change its file, and opens
// the directory again.
func corrupted(t *testing.T, damage func(path string)) (*Buffer, string) {
	t.Helper()
	dir := t.TempDir()
	opts := Options{Dir: dir, MaxBytes: 1 << 20}
	fill(t, opts, corruptN, corruptSize, 0, 0)
	path := onlySegment(t, dir)
	damage(path)
	return open(t, opts), filepath.Base(path)
}

func TestCorruption(t *testing.T) {
	for _, tc := range []struct {
		name      string
		damage    func(t *testing.T, path string)
		recovered int // records Open counts
		want      []int
		lost      Damage // without Segments
	}{
		{
			name: "payload byte flipped in a middle frame",
			damage: func(t *testing.T, path string) {
				patchFile(t, path, 2*corruptLen+headerSize+50, []byte{0xee})
			},
			recovered: 15,
			want:      []int{0, 1, 3, 4},
			lost:      Damage{Frames: 1, Records: 3, Bytes: corruptLen},
		},
		{
			name: "header byte flipped in a middle frame",
			damage: func(t *testing.T, path string) {
				patchFile(t, path, 2*corruptLen+17, []byte{0xee})
			},
			recovered: 12,
			want:      []int{0, 1, 3, 4},
			lost:      Damage{Bytes: corruptLen},
		},
		{
			name: "torn in the last frame's payload",
			damage: func(t *testing.T, path string) {
				require.NoError(t, os.Truncate(path, 4*corruptLen+headerSize+10))
			},
			recovered: 10,
			want:      []int{0, 1, 2, 3},
			lost:      Damage{Frames: 1, Records: 5, Bytes: headerSize + 10},
		},
		{
			name: "torn in the last frame's header",
			damage: func(t *testing.T, path string) {
				require.NoError(t, os.Truncate(path, 4*corruptLen+10))
			},
			recovered: 10,
			want:      []int{0, 1, 2, 3},
			lost:      Damage{Bytes: 10},
		},
		{
			name: "garbage header claiming 4 GiB",
			damage: func(t *testing.T, path string) {
				h := rawHeader(3, 0xffff_fff0, 3)
				h[30] ^= 1 // fails its CRC
				patchFile(t, path, 2*corruptLen, h)
			},
			recovered: 12,
			want:      []int{0, 1, 3, 4},
			lost:      Damage{Bytes: corruptLen},
		},
		{
			name: "good header claiming 4 GiB in the middle",
			damage: func(t *testing.T, path string) {
				patchFile(t, path, 2*corruptLen, rawHeader(3, 0xffff_fff0, 3))
			},
			recovered: 12,
			want:      []int{0, 1, 3, 4},
			lost:      Damage{Frames: 1, Records: 3, Bytes: corruptLen},
		},
		{
			name: "good header claiming 4 GiB at the tail",
			damage: func(t *testing.T, path string) {
				patchFile(t, path, 5*corruptLen, rawHeader(6, 0xffff_fff0, 7))
			},
			recovered: 15,
			want:      []int{0, 1, 2, 3, 4},
			lost:      Damage{Frames: 1, Records: 7, Bytes: headerSize},
		},
		{
			name: "zeros over the first two frames",
			damage: func(t *testing.T, path string) {
				patchFile(t, path, 0, make([]byte, 2*corruptLen))
			},
			recovered: 12,
			want:      []int{2, 3, 4},
			lost:      Damage{Bytes: 2 * corruptLen},
		},
		{
			name: "all zeros",
			damage: func(t *testing.T, path string) {
				patchFile(t, path, 0, make([]byte, 5*corruptLen))
			},
			lost: Damage{Bytes: 5 * corruptLen},
		},
		{
			name: "empty",
			damage: func(t *testing.T, path string) {
				require.NoError(t, os.Truncate(path, 0))
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before runtime.MemStats
			runtime.ReadMemStats(&before)

			b, name := corrupted(t, func(path string) { tc.damage(t, path) })
			assert.Equal(t, tc.recovered, b.Stats().Recovered, "recovered")
			assert.Equal(t, tc.want, indexes(drain(t, b)))

			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(16<<20), "bytes allocated")

			d := b.TakeDamage()
			if tc.lost.Bytes != 0 {
				tc.lost.Segments = []string{name}
			}
			assert.Equal(t, tc.lost, d, "damage")
			assert.Equal(t, Damage{}, b.TakeDamage(), "damage taken twice")
			assert.Zero(t, b.Stats().Bytes, "bytes when empty")

			// What was damaged is gone, and the buffer works.
			require.NoError(t, b.Append(payload(9, 20), 1))
			assert.Equal(t, []int{9}, indexes(drain(t, b)))
		})
	}
}

// Damage that happens while the buffer is open is found by Next.
func TestCorruptionWhileOpen(t *testing.T) {
	dir := t.TempDir()
	b := open(t, Options{Dir: dir, MaxBytes: 1 << 20})
	for i := range corruptN {
		require.NoError(t, b.Append(payload(i, corruptSize), 1))
	}
	path := onlySegment(t, dir)
	patchFile(t, path, 1*corruptLen+headerSize, []byte{0xee})
	require.NoError(t, os.Truncate(path, 4*corruptLen+10))

	assert.Equal(t, []int{0, 2, 3}, indexes(drain(t, b)))
	assert.Equal(t, Damage{Frames: 2, Records: 2, Bytes: 2 * corruptLen, Segments: []string{filepath.Base(path)}}, b.TakeDamage())
	assert.Equal(t, Stats{}, b.Stats())
}

// A directory holding a segment of zeros and an empty one, and nothing else.
func TestStraySegments(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, segmentName(7)), make([]byte, 4096), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, segmentName(8)), nil, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a segment"), 0o600))

	b := open(t, Options{Dir: dir, MaxBytes: 1 << 20})
	assert.Equal(t, Stats{}, b.Stats())
	assert.Equal(t, Damage{Bytes: 4096, Segments: []string{segmentName(7)}}, b.TakeDamage())
	assert.Empty(t, segmentFiles(t, dir), "stray segments removed")

	require.NoError(t, b.Append(payload(0, 8), 1))
	assert.Equal(t, []string{segmentName(9)}, segmentFiles(t, dir), "numbering goes on after the strays")
	assert.Equal(t, []int{0}, indexes(drain(t, b)))
	_, err := os.Stat(filepath.Join(dir, "notes.txt"))
	assert.NoError(t, err, "other files left alone")
}

// A segment removed while the buffer is open is damage, found by Next.
func TestSegmentRemovedWhileOpen(t *testing.T) {
	dir := t.TempDir()
	b := open(t, Options{Dir: dir, MaxBytes: 1 << 20, SegmentBytes: 1})
	for i := range 3 {
		require.NoError(t, b.Append(payload(i, 10), i+1))
	}
	names := segmentFiles(t, dir)
	require.Len(t, names, 3)
	require.NoError(t, os.Remove(filepath.Join(dir, names[1])))

	assert.Equal(t, []int{0, 2}, indexes(drain(t, b)))
	assert.Equal(t, Damage{Frames: 1, Records: 2, Bytes: headerSize + 10, Segments: []string{names[1]}}, b.TakeDamage())
	assert.Equal(t, Stats{}, b.Stats())
}
