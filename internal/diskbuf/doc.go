// Package diskbuf is an on-disk FIFO of batches for hydra's network
// destinations: while a destination is down its consumer appends each
// batch of encoded records here, and a replay goroutine reads the oldest,
// sends it, and acknowledges it. What is not acknowledged survives a restart
// of the program and is replayed first by the next [Open] of the directory.
//
// # Files
//
// A [Buffer] owns one directory, locked with flock(2) on the file "lock"
// against a second Buffer in this or another process. The batches live in
// segment files named by a zero-padded counter ("00000000000000000007.seg"),
// so lexical order is creation order. Append writes to the newest segment
// until it holds [Options].SegmentBytes, then fsyncs it and starts the next;
// a segment whose batches are all acknowledged is deleted. Segments found at
// Open are read, never appended to. The file "ack" is the ledger: the
// sequence number of the last batch acknowledged, rewritten in place on every
// Ack (see ledger.go). Every batch is one frame: a 32-byte header with a
// magic, a version, a sequence number, the payload's length and record count,
// a CRC-32C of header and payload, and a CRC-32C of the header alone (see
// frame.go for the layout, byte by byte).
//
// # Durability
//
// Append writes the frame with one write(2) before it returns, and Ack writes
// the ledger with one pwrite(2): both survive the process being killed. They
// survive a crash of the machine only once the operating system has flushed
// them, since neither calls fsync; a full segment is fsynced when it is
// closed, and so is the current one by Close. After a kill, at most the one
// batch between Next and Ack comes back again. A write torn by a kill leaves
// a partial frame at the end of a segment: the next Open skips it and reports
// it as [Damage].
//
// # Damage
//
// Damaged data is skipped, counted and reported by [Buffer.TakeDamage],
// never returned as a batch: a frame whose CRC fails (its records are known,
// as its header has its own CRC), a header that fails (the reader searches
// forward for the next good header), a frame running past the end of its
// file (a torn tail), a segment that cannot be read. Lengths are checked
// against what the file holds before anything is allocated for them.
//
// # What it takes from Vector and Fluent Bit
//
// From Vector's disk buffer v2 (lib/vector-buffers/src/variants/disk_v2): a
// monotonic record ID in every frame, checksummed with the payload by
// CRC-32C, so the reader can tell acknowledged from pending frames after a
// restart; a small fixed-size ledger holding the reader's position instead
// of rewriting data files; data files deleted once fully acknowledged;
// damage that is skipped and counted rather than fatal, with a complete frame
// that fails its checksum skipped by its length and a partial one ending the
// file; and an advisory lock file that names the directory as in use. Where
// Vector trusts a bare length prefix, a header CRC is added here, so that a
// damaged length is detected rather than followed. From Fluent Bit's
// filesystem chunks (chunkio): a magic and a CRC-32 at a fixed place in a
// fixed header, so a file can be recognised and checked before its content
// is trusted.
//
// # Concurrency
//
// One goroutine appends (the writer), one calls Next and Ack (the reader),
// and any goroutine may call Stats, TakeDamage, Wait, Room and Close; one
// mutex guards the Buffer, file I/O included. The Buffer starts no
// goroutines: the reader parks on [Buffer.Wait] when it finds nothing, and
// the writer on [Buffer.Room] after [ErrFull].
package diskbuf
