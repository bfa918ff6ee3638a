// This file owns the ledger: the small "ack" file that says how far the
// reader has acknowledged, so that a restart does not replay what was sent.
//
// The file holds two 32-byte slots; each write goes to the slot the previous
// write did not use, so a write torn by a crash damages at most one slot and
// the other still holds the previous state. Integers are little-endian.
//
//	offset size field
//	     0    4 magic: the bytes 'h' 'd' 'b' 'a'
//	     4    1 version: 1
//	     5    3 reserved: zero
//	     8    8 generation: one more than the previous write's (uint64)
//	    16    8 acked: the seq of the last frame acknowledged (uint64); every
//	            frame with a seq at or below it is gone
//	    24    4 CRC-32C of bytes 0..23
//	    28    4 reserved: zero
//
// The slot in use is the valid one with the higher generation. With neither
// valid (a new directory, or both damaged) nothing is taken as acknowledged:
// batches may be sent twice, never lost.

package diskbuf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
)

const (
	ledgerName     = "ack"
	ledgerSlotSize = 32
	ledgerVersion  = 1
)

var ledgerMagic = [4]byte{'h', 'd', 'b', 'a'}

// ledger is the open ack file. It is used under Buffer.mu.
type ledger struct {
	f          *os.File
	generation uint64
	acked      uint64
	buf        [ledgerSlotSize]byte
}

// openLedger opens (creating) the ack file at path and reads its state.
func openLedger(path string) (*ledger, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("diskbuf: opening ledger: %w", err)
	}
	l := &ledger{f: f}
	var raw [2 * ledgerSlotSize]byte
	n, err := f.ReadAt(raw[:], 0)
	if err != nil && !errors.Is(err, io.EOF) {
		f.Close()
		return nil, fmt.Errorf("diskbuf: reading ledger: %w", err)
	}
	for slot := 0; slot < 2; slot++ {
		lo := slot * ledgerSlotSize
		if n < lo+ledgerSlotSize {
			break
		}
		gen, acked, ok := parseLedgerSlot(raw[lo : lo+ledgerSlotSize])
		if ok && gen > l.generation {
			l.generation, l.acked = gen, acked
		}
	}
	return l, nil
}

func parseLedgerSlot(b []byte) (generation, acked uint64, ok bool) {
	if [4]byte(b[0:4]) != ledgerMagic || b[4] != ledgerVersion {
		return 0, 0, false
	}
	if crc32.Checksum(b[0:24], castagnoli) != binary.LittleEndian.Uint32(b[24:28]) {
		return 0, 0, false
	}
	return binary.LittleEndian.Uint64(b[8:16]), binary.LittleEndian.Uint64(b[16:24]), true
}

// store records that every frame up to seq is acknowledged. It writes one
// slot with pwrite(2) and does not fsync.
func (l *ledger) store(seq uint64) error {
	gen := l.generation + 1
	b := l.buf[:]
	clear(b)
	copy(b[0:4], ledgerMagic[:])
	b[4] = ledgerVersion
	binary.LittleEndian.PutUint64(b[8:16], gen)
	binary.LittleEndian.PutUint64(b[16:24], seq)
	binary.LittleEndian.PutUint32(b[24:28], crc32.Checksum(b[0:24], castagnoli))
	if _, err := l.f.WriteAt(b, int64(gen%2)*ledgerSlotSize); err != nil {
		return fmt.Errorf("diskbuf: writing ledger: %w", err)
	}
	l.generation, l.acked = gen, seq
	return nil
}

func (l *ledger) close() error {
	if err := l.f.Close(); err != nil {
		return fmt.Errorf("diskbuf: closing ledger: %w", err)
	}
	return nil
}
