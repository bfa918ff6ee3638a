// This file owns file destinations: their Rotation settings, and the
// opening of their files (internal/logfile holds the lumberjack glue).

package hydra

import (
	"os"

	"github.com/hydralog/hydra/internal/logfile"
)

// Rotation holds lumberjack's rotation settings for a file destination.
// Zero values mean lumberjack's defaults.
type Rotation struct {
	// MaxSizeMB is the size in megabytes at which the file is rotated.
	// 0 means 100. A negative value turns size rotation off: the file
	// then grows until Rotate, or an external tool and Reopen, move it.
	MaxSizeMB int
	// MaxBackups is the number of rotated files to keep. 0 keeps all
	// (though MaxAgeDays may still remove them).
	MaxBackups int
	// MaxAgeDays is the number of days to keep rotated files, judged by the
	// timestamp in their name. 0 keeps them regardless of age.
	MaxAgeDays int
	// Compress gzips rotated files.
	Compress bool
	// LocalTime names rotated files by local time instead of UTC.
	LocalTime bool
}

// openFile opens the log file of a file destination.
func openFile(path string, r Rotation, fileMode, dirMode os.FileMode) (*logfile.File, error) {
	return logfile.Open(path, r.options(fileMode, dirMode))
}

func (r Rotation) options(fileMode, dirMode os.FileMode) logfile.Options {
	return logfile.Options{
		MaxSizeMB:  r.MaxSizeMB,
		MaxBackups: r.MaxBackups,
		MaxAgeDays: r.MaxAgeDays,
		Compress:   r.Compress,
		LocalTime:  r.LocalTime,
		FileMode:   fileMode,
		DirMode:    dirMode,
	}
}

// maxBytes is the size at which the file rotates, and the largest write
// it accepts.
func (r Rotation) maxBytes() int64 { return r.options(0, 0).MaxBytes() }
