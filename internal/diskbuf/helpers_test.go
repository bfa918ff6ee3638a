package diskbuf

import (
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// A Buffer starts no goroutines; every test must leave none behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// payload returns batch i of size bytes (at least 8): i, then bytes that
// depend on i and their position.
func payload(i, size int) []byte {
	p := make([]byte, max(size, 8))
	binary.LittleEndian.PutUint64(p, uint64(i))
	for j := 8; j < len(p); j++ {
		p[j] = byte(i*31 + j)
	}
	return p
}

// batchIndex returns the i that payload wrote into p.
func batchIndex(t *testing.T, p []byte) int {
	t.Helper()
	require.GreaterOrEqual(t, len(p), 8, "batch too short")
	return int(binary.LittleEndian.Uint64(p))
}

func open(t *testing.T, opts Options) *Buffer {
	t.Helper()
	b, err := Open(opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, b.Close()) })
	return b
}

// got is one batch as Next returned it.
type got struct {
	i, size, records int
}

// drain reads and acknowledges every batch left.
func drain(t *testing.T, b *Buffer) []got {
	t.Helper()
	var out []got
	for {
		p, n, ok, err := b.Next()
		require.NoError(t, err)
		if !ok {
			return out
		}
		out = append(out, got{i: batchIndex(t, p), size: len(p), records: n})
		require.NoError(t, b.Ack())
	}
}

// indexes returns the batch numbers in gs.
func indexes(gs []got) []int {
	var is []int
	for _, g := range gs {
		is = append(is, g.i)
	}
	return is
}

func segmentFiles(t *testing.T, dir string) []string {
	t.Helper()
	names, err := listSegments(dir)
	require.NoError(t, err)
	return names
}

// onlySegment returns the path of the one segment file in dir.
func onlySegment(t *testing.T, dir string) string {
	t.Helper()
	names := segmentFiles(t, dir)
	require.Len(t, names, 1, "segment files")
	return filepath.Join(dir, names[0])
}

// rawHeader returns a header that passes its own CRC whatever length it
// claims, as a header damaged in a way the CRC cannot see would.
func rawHeader(seq uint64, length, records uint32) []byte {
	h := make([]byte, headerSize)
	putHeader(h, seq, nil, records)
	binary.LittleEndian.PutUint32(h[16:20], length)
	binary.LittleEndian.PutUint32(h[28:32], crc32.Checksum(h[0:28], castagnoli))
	return h
}

func patchFile(t *testing.T, path string, off int64, data []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	require.NoError(t, err)
	defer f.Close()
	_, err = f.WriteAt(data, off)
	require.NoError(t, err)
}
