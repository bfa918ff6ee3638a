package diskbuf

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHeaderRoundTrip(t *testing.T) {
	p := []byte("some records")
	frame := make([]byte, headerSize+len(p))
	putHeader(frame, 42, p, 3)
	copy(frame[headerSize:], p)

	h, ok := parseHeader(frame)
	require.True(t, ok)
	assert.Equal(t, uint64(42), h.seq)
	assert.Equal(t, uint32(len(p)), h.length)
	assert.Equal(t, uint32(3), h.records)
	assert.True(t, payloadOK(frame, h))
	assert.Equal(t, []byte("hdbf\x01\x00\x00\x00"), frame[:8], "magic, version, reserved")

	// Any single bit flipped in the header fails it; in the payload, only
	// the frame CRC sees it.
	for bit := range 8 * len(frame) {
		bad := bytes.Clone(frame)
		bad[bit/8] ^= 1 << (bit % 8)
		h, ok := parseHeader(bad)
		if bit/8 < headerSize {
			assert.False(t, ok, "header bit %d flipped", bit)
			continue
		}
		require.True(t, ok, "payload bit %d flipped", bit)
		assert.False(t, payloadOK(bad, h), "payload bit %d flipped", bit)
	}

	zero := make([]byte, headerSize)
	putHeader(zero, 1, nil, 0)
	_, ok = parseHeader(zero)
	assert.False(t, ok, "zero records")
}

func TestFindHeader(t *testing.T) {
	h := rawHeader(7, 0, 1)
	for _, tc := range []struct {
		name   string
		at     int
		size   int
		chunk  int
		prefix byte
	}{
		{"at the start", 0, 100, 64, 0},
		{"in the first chunk", 10, 100, 64, 0},
		{"across chunks", 50, 200, 64, 0},
		{"at a chunk's end", 64 - headerSize, 200, 64, 0},
		{"just past it", 64 - headerSize + 1, 200, 64, 0},
		{"after false magics", 150, 400, 64, 'h'},
		{"at the file's end", 400 - headerSize, 400, 64, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := make([]byte, tc.size)
			for i := 0; i+4 < tc.at && tc.prefix != 0; i += 5 {
				copy(data[i:], frameMagic[:]) // a magic with no header behind it
			}
			copy(data[tc.at:], h)
			off, got, found, err := findHeader(bytes.NewReader(data), 0, int64(len(data)), make([]byte, tc.chunk))
			require.NoError(t, err)
			require.True(t, found)
			assert.Equal(t, int64(tc.at), off)
			assert.Equal(t, uint64(7), got.seq)

			_, _, found, err = findHeader(bytes.NewReader(data[:tc.at+headerSize-1]), 0, int64(tc.at+headerSize-1), make([]byte, tc.chunk))
			require.NoError(t, err)
			assert.False(t, found, "a header cut short is not found")
		})
	}
}

// Whatever a segment holds, scanning it accounts for every byte: as a frame
// or as damage.
func TestScanAccountsForEveryByte(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for round := range 200 {
		var file []byte
		for i := range 1 + rng.IntN(8) {
			p := payload(i, 8+rng.IntN(200))
			frame := make([]byte, headerSize+len(p))
			putHeader(frame, uint64(i+1), p, 1)
			copy(frame[headerSize:], p)
			file = append(file, frame...)
		}
		for range rng.IntN(4) {
			file[rng.IntN(len(file))] ^= byte(1 + rng.IntN(255))
		}
		file = file[:len(file)-rng.IntN(min(len(file), 64))]
		seg := &segment{name: "s", size: int64(len(file))}
		res := scan(bytes.NewReader(file), seg, 0)
		total := res.damage.Bytes
		for _, fr := range res.frames {
			total += headerSize + int64(fr.length)
		}
		require.Equal(t, int64(len(file)), total, "round %d: frames and damage", round)
	}
}

func FuzzScan(f *testing.F) {
	p := []byte("records")
	frame := make([]byte, headerSize+len(p))
	putHeader(frame, 1, p, 1)
	copy(frame[headerSize:], p)
	f.Add(frame)
	f.Add(append(bytes.Clone(frame), frame[:20]...))
	f.Add(rawHeader(1, 0xffff_ffff, 1))
	f.Fuzz(func(t *testing.T, file []byte) {
		seg := &segment{name: "s", size: int64(len(file))}
		res := scan(bytes.NewReader(file), seg, 0)
		total := res.damage.Bytes
		for _, fr := range res.frames {
			total += headerSize + int64(fr.length)
		}
		if total != int64(len(file)) {
			t.Fatalf("frames and damage cover %d bytes of %d", total, len(file))
		}
	})
}
