// This file owns the values of a configuration file: how the text of a
// scalar becomes a level, a duration, a file mode, a policy, a number or a
// string, and the limits of single fields that can be checked while the
// file's lines are at hand.

package hydra

import (
	"encoding"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// setConfigScalar sets v, a settable value of a type that is written as a
// scalar, from the text s.
func setConfigScalar(v reflect.Value, s string) error {
	t := v.Type()
	switch t {
	case configLevelerType:
		l, err := parseConfigLevel(s)
		if err == nil {
			v.Set(reflect.ValueOf(l))
		}
		return err
	case configLevelType:
		l, err := parseConfigLevel(s)
		v.SetInt(int64(l))
		return err
	case configDurationType:
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("want a duration such as 250ms, 1.5s or 1h30m, got %q", s)
		}
		v.SetInt(int64(d))
		return nil
	case configFileModeType:
		m, err := parseFileMode(s)
		v.SetUint(uint64(m))
		return err
	}
	if t.Kind() == reflect.Pointer && t.Implements(configUnmarshalerType) {
		p := reflect.New(t.Elem())
		if err := p.Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			return errors.New(strings.TrimPrefix(err.Error(), "hydra: "))
		}
		v.Set(p)
		return nil
	}
	if reflect.PointerTo(t).Implements(configUnmarshalerType) {
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			return errors.New(strings.TrimPrefix(err.Error(), "hydra: "))
		}
		return nil
	}
	switch t.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true":
			v.SetBool(true)
		case "false":
			v.SetBool(false)
		default:
			return fmt.Errorf("want true or false, got %q", s)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, t.Bits())
		if err != nil {
			return configNumberError(s, err, "an integer")
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(strings.TrimSpace(s), 10, t.Bits())
		if err != nil {
			return configNumberError(s, err, "a whole number")
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), t.Bits())
		if err != nil {
			return configNumberError(s, err, "a number")
		}
		v.SetFloat(f)
	default:
		return fmt.Errorf("cannot be written in a file (%v)", t) // not reached: isConfigData says which types can
	}
	return nil
}

// configWant names what a value of type t is written as, for messages.
func configWant(t reflect.Type) string {
	switch t {
	case configLevelerType, configLevelType:
		return "a level"
	case configDurationType:
		return "a duration"
	case configFileModeType:
		return "permission bits"
	case reflect.TypeFor[Policy]():
		return "a policy"
	case reflect.TypeFor[*regexp.Regexp]():
		return "a regular expression"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a string"
}

func configNumberError(s string, err error, want string) error {
	if errors.Is(err, strconv.ErrRange) {
		return fmt.Errorf("%s is out of range", s)
	}
	return fmt.Errorf("want %s, got %q", want, s)
}

var configLevelNames = map[string]slog.Level{
	"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn,
	"warning": slog.LevelWarn, "error": slog.LevelError,
}

// parseConfigLevel parses a level: debug, info, warn (or warning) or error, in
// any case, with an optional offset (INFO+2, error-1), or a number (-4, 8).
func parseConfigLevel(s string) (slog.Level, error) {
	text := strings.TrimSpace(s)
	if n, err := strconv.ParseInt(text, 10, 32); err == nil {
		return slog.Level(n), nil
	}
	name, offset := text, ""
	if i := strings.IndexAny(text, "+-"); i > 0 {
		name, offset = text[:i], text[i:]
	}
	l, ok := configLevelNames[strings.ToLower(name)]
	if ok && offset != "" {
		n, err := strconv.ParseInt(offset, 10, 32)
		ok = err == nil
		l += slog.Level(n)
	}
	if !ok {
		return 0, fmt.Errorf("unknown level %q (want debug, info, warn or error, with an optional +N or -N, or a number)", s)
	}
	return l, nil
}

// parseFileMode parses permission bits written in octal, as chmod takes
// them: 640, 0640 and 0o640 are all rw-r-----. A number in a JSON file
// is read the same way, so write 640 there, not 416.
func parseFileMode(s string) (os.FileMode, error) {
	text := strings.TrimSpace(s)
	digits := strings.TrimPrefix(strings.TrimPrefix(text, "0o"), "0O")
	n, err := strconv.ParseUint(digits, 8, 32)
	if err != nil || digits == "" || digits[0] == '+' {
		return 0, fmt.Errorf("want permission bits in octal such as 0640, got %q", s)
	}
	if n&^uint64(os.ModePerm) != 0 {
		return 0, fmt.Errorf("%s has bits other than permissions (want 0 to 0777)", text)
	}
	return os.FileMode(n), nil
}

// configRules are the limits of single fields that New enforces too, by
// config type and field: each returns what is wrong with a value, or "".
// They run on every field, written or not, so a rule on a missing value
// makes a key required. A test keeps each no stricter than New.
var configRules = map[reflect.Type]map[string]func(reflect.Value) string{
	reflect.TypeFor[Layer](): {
		"Destinations": func(v reflect.Value) string {
			if v.Len() == 0 {
				return "a layer needs at least one destination (type null discards its records)"
			}
			return ""
		},
	},
	reflect.TypeFor[Destination](): {
		"Type": func(v reflect.Value) string {
			if v.String() == "" {
				return "a destination needs a type (file, stdout, console, stderr, writer, handler or null)"
			}
			if _, err := parseType(v.String()); err != nil {
				return fmt.Sprintf("unknown type %q (want file, stdout, console, stderr, writer, handler or null)", v.String())
			}
			return ""
		},
		"Format": func(v reflect.Value) string {
			if _, err := parseFormat(v.String()); err != nil {
				return fmt.Sprintf("unknown format %q (want text, json or console)", v.String())
			}
			return ""
		},
	},
	reflect.TypeFor[AsyncOptions](): {
		"QueueSize": func(v reflect.Value) string {
			if n := v.Int(); n < 0 || n > MaxQueueSize {
				return fmt.Sprintf("%d is not between 0 (the default, %d) and %d", n, DefaultQueueSize, MaxQueueSize)
			}
			return ""
		},
		"BlockTimeout": ruleNotNegative,
	},
	reflect.TypeFor[Rotation]():  {"MaxBackups": ruleNotNegative, "MaxAgeDays": ruleNotNegative},
	reflect.TypeFor[Breaker]():   {"Failures": ruleNotNegative, "Cooldown": ruleNotNegative},
	reflect.TypeFor[Sampling]():  {"Tick": ruleNotNegative, "First": ruleNotNegative, "Thereafter": ruleNotNegative},
	reflect.TypeFor[Monitor]():   {"Interval": ruleNotNegative},
	reflect.TypeFor[RateLimit](): {"Burst": ruleNotNegative, "PerSecond": rulePositive},
}

func ruleNotNegative(v reflect.Value) string {
	if v.Int() < 0 {
		return fmt.Sprintf("%v is negative", v.Interface())
	}
	return ""
}

func rulePositive(v reflect.Value) string {
	if f := v.Float(); !(f > 0) || math.IsInf(f, 1) {
		return fmt.Sprintf("%v is not a positive number", f)
	}
	return ""
}
