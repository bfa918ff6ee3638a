// This file owns the reporting of errors that happen off the caller's
// goroutine: Config.OnError, called safely, and the errors kept for the
// next Flush or Close.

package hydra

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
)

// report passes err to Config.OnError and keeps it for the next Flush or
// Close.
func (s *sink) report(err error) {
	s.errs.add(err)
	if perr := callOnError(s.onError, err); perr != nil {
		s.errs.add(perr)
	}
}

// warn passes err to Config.OnError only: it is news, not a failure.
func (s *sink) warn(err error) {
	if perr := callOnError(s.onError, err); perr != nil {
		s.errs.add(perr)
	}
}

// callOnError calls onError, if set, with err, and returns the panic it
// recovered from it as an error, if any: a callback's panic must not end
// the goroutine that reports, a consumer or a caller.
func callOnError(onError func(error), err error) (panicked error) {
	if onError == nil {
		return nil
	}
	defer func() {
		if p := recover(); p != nil {
			panicked = fmt.Errorf("hydra: OnError panicked: %v (reporting: %v)", p, err)
		}
	}()
	onError(err)
	return nil
}

// errorLog keeps the errors of a sink until Flush or Close returns them.
// It keeps the first maxKeptErrors and counts the rest, so a destination
// that fails for hours costs bounded memory.
type errorLog struct {
	mu   sync.Mutex
	errs []error
	more int
}

const maxKeptErrors = 8

func (l *errorLog) add(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.errs) < maxKeptErrors {
		l.errs = append(l.errs, err)
	} else {
		l.more++
	}
}

// take returns the kept errors joined, and forgets them.
func (l *errorLog) take() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	errs := l.errs
	if l.more > 0 {
		errs = append(errs, fmt.Errorf("hydra: and %d more errors", l.more))
	}
	l.errs, l.more = nil, 0
	return errors.Join(errs...)
}

// warn passes err to Config.OnError only: it is news, not a failure.
func (c *core) warn(err error) {
	if perr := callOnError(c.onError, err); perr != nil {
		c.errs.add(perr)
	}
}

// report passes an error that belongs to no destination to Config.OnError
// and keeps it for the next Flush or Close.
func (c *core) report(err error) {
	c.errs.add(err)
	if perr := callOnError(c.onError, err); perr != nil {
		c.errs.add(perr)
	}
}

// records says "1 record" or "n records", for messages.
func records(n int) string {
	if n == 1 {
		return "1 record"
	}
	return strconv.Itoa(n) + " records"
}
