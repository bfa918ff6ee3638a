package benchmarks

// The loggers under comparison, each set up the way its documentation
// recommends, all logging the record of the reference measurements:
//
//	msg "request handled", method=GET, status=200, elapsed=1ms, i=<n>

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/hydralog/hydra"
	"github.com/rs/zerolog"
	"github.com/rs/zerolog/diode"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// logger is one logger under test: log logs record i; drain waits until
// everything logged so far has been handled (untimed); close stops it and
// returns once everything is written, and how many records it dropped if
// it can tell.
type logger struct {
	log   func(i int)
	drain func()
	close func() error
	h     *hydra.Handler // hydra's, for its Stats
}

// stats returns hydra's Stats, if the logger is hydra.
func (l logger) stats() (hydra.Stats, bool) {
	if l.h == nil {
		return hydra.Stats{}, false
	}
	return l.h.Stats(), true
}

func viaSlog(h slog.Handler) func(int) { return viaLogger(slog.New(h)) }

// viaLogger logs the reference record with l.
func viaLogger(l *slog.Logger) func(int) {
	return func(i int) {
		l.Info("request handled", "method", "GET", "status", 200, "elapsed", time.Millisecond, "i", i)
	}
}

func nothing()            {}
func closeNothing() error { return nil }

// noopHandler is the floor: a slog.Handler that is enabled for everything
// and does nothing. No slog handler can cost less.
type noopHandler struct{}

func (noopHandler) Enabled(context.Context, slog.Level) bool  { return true }
func (noopHandler) Handle(context.Context, slog.Record) error { return nil }
func (h noopHandler) WithAttrs([]slog.Attr) slog.Handler      { return h }
func (h noopHandler) WithGroup(string) slog.Handler           { return h }

func floorLogger() logger {
	return logger{log: viaSlog(noopHandler{}), drain: nothing, close: closeNothing}
}

func slogLogger(w io.Writer, json bool) logger {
	var h slog.Handler = slog.NewTextHandler(w, nil)
	if json {
		h = slog.NewJSONHandler(w, nil)
	}
	return logger{log: viaSlog(h), drain: nothing, close: closeNothing}
}

// hydraLogger writes format through a queue of size records to w (a
// writer destination), or to the file path when w is nil.
func hydraLogger(tb testing.TB, w io.Writer, path, format string, opts hydra.AsyncOptions) logger {
	d := hydra.Destination{Type: "writer", Writer: w, Format: format, Async: &opts}
	if w == nil {
		d = hydra.Destination{Type: "file", Path: path, Format: format, Async: &opts, Rotation: hydra.Rotation{MaxSizeMB: 64 << 10}}
	}
	return hydraDest(tb, d)
}

// chanHandler is the obvious asynchronous slog handler: a buffered channel
// of cloned records and one goroutine formatting them with inner. It
// blocks when the channel is full.
type chanHandler struct {
	ch    chan slog.Record
	inner slog.Handler
	flush chan chan struct{}
	done  chan struct{}
}

func channelLogger(w io.Writer, size int) logger {
	h := &chanHandler{ch: make(chan slog.Record, size), inner: slog.NewJSONHandler(w, nil), flush: make(chan chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(h.done)
		for {
			select {
			case r, ok := <-h.ch:
				if !ok {
					return
				}
				h.inner.Handle(context.Background(), r)
			case ack := <-h.flush:
				for len(h.ch) > 0 {
					h.inner.Handle(context.Background(), <-h.ch)
				}
				close(ack)
			}
		}
	}()
	return logger{
		log: viaSlog(h),
		drain: func() {
			ack := make(chan struct{})
			h.flush <- ack
			<-ack
		},
		close: func() error { close(h.ch); <-h.done; return nil },
	}
}

func (h *chanHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *chanHandler) Handle(_ context.Context, r slog.Record) error {
	h.ch <- r.Clone()
	return nil
}
func (h *chanHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *chanHandler) WithGroup(string) slog.Handler      { return h }

func zapLogger(ws zapcore.WriteSyncer, stop func() error) logger {
	core := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), ws, zap.InfoLevel)
	l := zap.New(core)
	return logger{
		log: func(i int) {
			l.Info("request handled", zap.String("method", "GET"), zap.Int("status", 200), zap.Duration("elapsed", time.Millisecond), zap.Int("i", i))
		},
		drain: func() { l.Sync() },
		close: func() error {
			l.Sync()
			return stop()
		},
	}
}

// zapBuffered is zap with its BufferedWriteSyncer (256 kB) on f.
func zapBuffered(f *os.File) logger {
	ws := &zapcore.BufferedWriteSyncer{WS: zapcore.AddSync(f), Size: 256 << 10}
	return zapLogger(ws, ws.Stop)
}

func zerologLogger(w io.Writer, stop func() error) logger {
	l := zerolog.New(w).With().Timestamp().Logger()
	return logger{
		log: func(i int) {
			l.Info().Str("method", "GET").Int("status", 200).Dur("elapsed", time.Millisecond).Int("i", i).Msg("request handled")
		},
		drain: nothing,
		close: stop,
	}
}

// zerologDiode is zerolog with its diode writer on f: lock-free, never
// blocks, drops when full. dropped counts what the diode reports lost.
func zerologDiode(f *os.File, size int, dropped *int) logger {
	d := diode.NewWriter(f, size, 10*time.Millisecond, func(missed int) { *dropped += missed })
	return zerologLogger(d, d.Close)
}
